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
    return server.database.db.select().from(auditLog).where(gt(auditLog.id, last ?? 0)).orderBy(asc(auditLog.id));
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

  it('is append-only', async () => {
    await expect(server.database.db.execute(sql`update audit_log set actor_name = 'someone else'`)).rejects.toThrow();
    await expect(server.database.db.execute(sql`delete from audit_log`)).rejects.toThrow();
  });

  it('lists the log for admins, newest first, with filters', async () => {
    const manager = await enrollManager(server, 'listed', { workers: ['l-1'] });
    expect(manager.credential).toBeTruthy();
    const log = ok<any>(
      await server.gql(
        `{ auditLog(first: 3, filter: { action: "membership.report" }) { totalCount nodes { action actorType actorName result targetId } } }`,
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
