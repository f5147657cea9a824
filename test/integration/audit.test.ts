import { asc, gt, max, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { clusters } from '../../api/src/modules/clusters/clusters.table.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('audit trail', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const newRows = async (run: () => Promise<unknown>) => {
    const [{ last }] = await server.database.db.select({ last: max(auditLog.id) }).from(auditLog);
    await run();
    return server.database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, last ?? 0))
      .orderBy(asc(auditLog.id));
  };

  it('writes exactly one row per mutation call: success, failure, or refusal', async () => {
    const rows = await newRows(async () => {
      await server.gql('mutation { createCluster(input: { name: "audited", productKind: "esb" }) { __typename } }', {}, server.adminToken);
      await server.gql('mutation { createCluster(input: { name: "audited", productKind: "esb" }) { __typename } }', {}, server.adminToken);
      await server.gql('mutation { createCluster(input: { name: "bad name!", productKind: "esb" }) { __typename } }', {}, server.adminToken);
      await server.gql('mutation { login(username: "admin", password: "wrong-password") { __typename } }');
    });
    expect(rows.map((row) => [row.action, row.actorName, row.result, row.errorCode])).toEqual([
      ['cluster.create', 'admin', 'SUCCESS', null],
      ['cluster.create', 'admin', 'FAILED', 'NAME_TAKEN'],
      ['cluster.create', 'admin', 'FAILED', 'INVALID_NAME'],
      ['login', 'anonymous', 'FAILED', 'LOGIN_FAILED'],
    ]);
    expect(rows[0].targetType).toBe('cluster');
    expect(rows[0].targetId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].requestId).toBeTruthy();
    // Two mutations in one request are audited one by one.
    const both = await newRows(() =>
      server.gql(
        'mutation { a: addTags(input: { clusterIds: [], tags: ["x"] }) { __typename } b: createApiToken(name: "ci") { __typename } }',
        {},
        server.adminToken,
      ),
    );
    expect(both.map((row) => [row.action, row.result])).toEqual([
      ['tags.add', 'FAILED'],
      ['apiToken.create', 'SUCCESS'],
    ]);
  });

  it('redacts secrets in recorded arguments', async () => {
    const rows = await newRows(async () => {
      await server.gql('mutation { login(username: "admin", password: "admin-password-for-tests") { __typename } }');
      await server.gql(
        'mutation { registerManager(input: { enrollmentToken: "oce_secret-value", cluster: "audited", manager: { name: "m" } }) { __typename } }',
      );
    });
    const serialized = JSON.stringify(rows);
    expect(serialized).not.toContain('admin-password-for-tests');
    expect(serialized).not.toContain('oce_secret-value');
    expect(rows[1].args).toMatchObject({ cluster: 'audited', manager: 'm' });
  });

  it('commits a change and its audit row together, or neither', async () => {
    // Make audit inserts fail: the change must not happen either.
    await server.database.db.execute(sql`alter table audit_log add constraint no_more check (action <> 'cluster.create') not valid`);
    try {
      const result = await server.gql('mutation { createCluster(input: { name: "unaudited", productKind: "esb" }) { __typename } }', {}, server.adminToken);
      expect(result.errors?.[0].message).toBe('Unexpected error.');
      const created = await server.database.db.select().from(clusters).where(sql`name = 'unaudited'`);
      expect(created).toEqual([]);
    } finally {
      await server.database.db.execute(sql`alter table audit_log drop constraint no_more`);
    }
  });

  it('audits refused mutations whose input no column could hold, and answers them with a typed error', async () => {
    const manager = await enrollManager(server, 'hostile', { workers: ['h-1'] });
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let level = 0; level < 3000; level += 1) deep = { nested: deep };
    const rows = await newRows(async () => {
      const nul = ok<any>(
        await server.gql(
          'mutation($tags: [String!]!) { addTags(input: { clusterIds: [], tags: $tags }) { __typename ... on Error { code message } } }',
          { tags: ['rack\u00007'] },
          server.adminToken,
        ),
      ).addTags;
      expect(nul).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT', message: expect.stringMatching(/NUL character.*input\.tags\[0\]/) });
      const lookup = ok<any>(
        await server.gql(
          'mutation($c: String!) { createEnrollmentToken(cluster: $c) { __typename ... on Error { code } } }',
          { c: 'no\u0000such' },
          server.adminToken,
        ),
      );
      expect(lookup.createEnrollmentToken).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT' });
      const login = ok<any>(
        await server.gql('mutation($u: String!) { login(username: $u, password: "whatever-password") { __typename ... on Error { code } } }', {
          u: 'ad\u0000min',
        }),
      );
      expect(login.login).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT' });
      const query = await server.gql('query($n: String!) { cluster(name: $n) { id } }', { n: 'a\u0000b' }, server.adminToken);
      expect(query.errors?.[0]).toMatchObject({ message: expect.stringMatching(/NUL character/), extensions: { code: 'INVALID_ARGUMENT' } });
      const nested = await server.gql(
        'mutation($input: MembershipInput!) { reportMembership(input: $input) { __typename ... on Error { code message } } }',
        { input: { joined: [{ name: 'h-2', labels: deep }] } },
        manager.credential,
      );
      expect(nested.errors?.[0].message).toMatch(/nested more than 10 levels/);
      expect(JSON.stringify(nested)).not.toMatch(/Unexpected error|stack/);
      const keyed = ok<any>(
        await server.gql(
          'mutation($input: MembershipInput!) { reportMembership(input: $input) { __typename ... on Error { code } } }',
          { input: { joined: [{ name: 'h-3', labels: { 'a\u0000b': 'x' } }] } },
          manager.credential,
        ),
      ).reportMembership;
      expect(keyed).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT' });
    });
    expect(rows.map((row) => [row.action, row.result, row.errorCode])).toEqual([
      ['tags.add', 'FAILED', 'INVALID_ARGUMENT'],
      ['enrollmentToken.create', 'FAILED', 'INVALID_ARGUMENT'],
      ['login', 'FAILED', 'INVALID_ARGUMENT'],
      ['membership.report', 'FAILED', 'INVALID_ARGUMENT'],
    ]);
    expect(rows[3].args).toEqual({ input: { joined: [{ name: 'h-3', labels: { 'a\\u0000b': 'x' } }] } });
    expect(rows[0].args).toEqual({ input: { clusterIds: [], tags: ['rack\\u00007'] } });
  });

  it('writes a minimal row when the full one cannot be stored, rather than none', async () => {
    await server.database.db.execute(sql`alter table audit_log add constraint refuse_poison check (args::text not like '%poison-audit%') not valid`);
    try {
      const rows = await newRows(async () => {
        const refused = ok<any>(
          await server.gql(
            'mutation { createCluster(input: { name: "bad name!", productKind: "esb", description: "poison-audit" }) { __typename ... on Error { code } } }',
            {},
            server.adminToken,
          ),
        );
        expect(refused.createCluster).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_NAME' });
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'cluster.create', actorName: 'admin', result: 'FAILED', errorCode: 'INVALID_NAME', args: {} });
      expect(rows[0].message).toMatch(/could not be stored in full/);
    } finally {
      await server.database.db.execute(sql`alter table audit_log drop constraint refuse_poison`);
    }
  });

  it('is append-only', async () => {
    await expect(server.database.db.execute(sql`update audit_log set actor_name = 'someone else'`)).rejects.toThrow();
    await expect(server.database.db.execute(sql`delete from audit_log`)).rejects.toThrow();
  });

  it('lists the log for admins, newest first, with filters', async () => {
    const manager = await enrollManager(server, 'listed', { workers: ['l-1'] });
    expect(manager.credential).toBeTruthy();
    const log = ok<any>(
      await server.gql(
        `{ auditLog(first: 3, filter: { action: "membership.report", actorName: "agent:listed/listed-manager" }) { totalCount nodes { action actorType actorName result targetId } } }`,
        {},
        server.adminToken,
      ),
    ).auditLog;
    expect(log.totalCount).toBe(1);
    expect(log.nodes[0]).toMatchObject({ action: 'membership.report', actorType: 'AGENT', actorName: 'agent:listed/listed-manager', result: 'SUCCESS' });
    const page = ok<any>(await server.gql(`{ auditLog(first: 2) { nodes { id } pageInfo { hasNextPage endCursor } } }`, {}, server.adminToken)).auditLog;
    const next = ok<any>(
      await server.gql(`query($after: String) { auditLog(first: 2, after: $after) { nodes { id } } }`, { after: page.pageInfo.endCursor }, server.adminToken),
    ).auditLog;
    expect(Number(next.nodes[0].id)).toBeLessThan(Number(page.nodes[1].id));
  });
});
