import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { clusters } from '../../api/src/modules/clusters/clusters.table.ts';
import { enrollManager, REPORT } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('bad input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { maxHeartbeatBatch: 20, maxBodyBytes: 200_000 } });
    await enrollManager(server, 'existing', { workers: ['e-1', 'e-2'], tags: ['datacenter 1'] });
  });
  afterAll(() => server.stop());

  const mutate = async (query: string, variables?: Record<string, unknown>) => {
    const result = await server.gql(query, variables, server.adminToken);
    return Object.values(ok<any>(result))[0] as any;
  };

  it('refuses invalid names, tags and URLs with a typed error and creates nothing', async () => {
    const create = (input: Record<string, unknown>) =>
      mutate(
        `mutation($input: CreateClusterInput!) { createCluster(input: $input) { __typename ... on Error { code message } ... on ValidationError { field } } }`,
        { input: { productKind: 'esb', ...input } },
      );
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: '' }, 'INVALID_NAME', 'name'],
      [{ name: 'x'.repeat(64) }, 'INVALID_NAME', 'name'],
      [{ name: 'line\nbreak' }, 'INVALID_NAME', 'name'],
      [{ name: 'zero\u200bwidth' }, 'INVALID_NAME', 'name'],
      [{ name: "x'; drop table clusters; --" }, 'INVALID_NAME', 'name'],
      [{ name: 'ok-name', productKind: '' }, 'INVALID_NAME', 'productKind'],
      [{ name: 'ok-name', consoleUrl: 'javascript:alert(1)' }, 'INVALID_URL', 'consoleUrl'],
      [{ name: 'ok-name', tags: ['cluster:fake'] }, 'INVALID_TAG', 'tags'],
      [{ name: 'ok-name', tags: [' '] }, 'INVALID_TAG', 'tags'],
      [{ name: 'ok-name', description: 'd'.repeat(1001) }, 'INVALID_ARGUMENT', 'description'],
    ];
    const before = (await server.database.db.select().from(clusters)).length;
    for (const [input, code, field] of cases) {
      const result = await create(input);
      expect(result, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', code, field });
      expect(result.message.length).toBeGreaterThan(10);
    }
    expect((await server.database.db.select().from(clusters)).length).toBe(before);
  });

  it('answers unknown ids with null in queries and NotFoundError in mutations', async () => {
    expect(ok<any>(await server.gql(`{ node(id: "${UNKNOWN}") { id } }`, {}, server.adminToken)).node).toBeNull();
    expect(ok<any>(await server.gql(`{ cluster(id: "${UNKNOWN}") { id } }`, {}, server.adminToken)).cluster).toBeNull();
    expect(await mutate(`mutation { removeNode(id: "${UNKNOWN}") { __typename ... on Error { code } } }`)).toEqual({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
    });
    expect(await mutate(`mutation { deleteCluster(id: "${UNKNOWN}") { __typename ... on Error { code } } }`)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await mutate(`mutation { addTags(input: { nodeIds: ["${UNKNOWN}"], tags: ["a"] }) { __typename ... on Error { code } } }`)).toMatchObject({
      code: 'NOT_FOUND',
    });
    const malformed = await server.gql('{ node(id: "not-an-id") { id } }', {}, server.adminToken);
    expect(malformed.errors?.[0].extensions?.code).toBe('INVALID_ARGUMENT');
    // Looked up by name or id: a reference shaped like neither is simply not found, never handed to the database as an id.
    const dashes = '-'.repeat(36);
    expect(ok<any>(await server.gql(`{ alertRule(rule: "${dashes}") { id } }`, {}, server.adminToken)).alertRule).toBeNull();
  });

  it('refuses targets that are empty, ambiguous or name what does not exist', async () => {
    const query = 'query($target: Target) { nodes(first: 10, target: $target) { totalCount } }';
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /exactly one/],
      [{ all: true, clusters: ['existing'] }, /all and clusters/],
      [{ all: false }, /all: true/],
      [{ clusters: [] }, /at least one/],
      [{ clusters: ['nope'] }, /"nope"/],
      [{ nodes: ['not-an-id'] }, /not a node id/],
      [{ nodes: [UNKNOWN] }, /No node/],
      [{ tags: { tags: ['role:boss'] } }, /role:manager or role:worker/],
      [{ tags: { tags: ['bad\u0007tag'] } }, /may use only/],
    ];
    for (const [target, message] of cases) {
      const result = await server.gql(query, { target }, server.adminToken);
      expect(result.errors?.[0].extensions?.code, JSON.stringify(target)).toBe('INVALID_TARGET');
      expect(result.errors?.[0].message).toMatch(message);
    }
    const good = ok<any>(await server.gql(query, { target: { tags: { tags: ['Datacenter 1', 'role:worker'], match: 'ALL' } } }, server.adminToken));
    expect(good.nodes.totalCount).toBe(2);
    const any = ok<any>(await server.gql(query, { target: { tags: { tags: ['cluster:existing', 'nothing-has-this'], match: 'ANY' } } }, server.adminToken));
    expect(any.nodes.totalCount).toBe(3);
  });

  it('refuses bad pagination', async () => {
    for (const first of [0, -1, 101]) {
      const result = await server.gql(`{ clusters(first: ${first}) { totalCount } }`, {}, server.adminToken);
      expect(result.errors?.[0].extensions?.code, JSON.stringify(result)).toBe('INVALID_PAGINATION');
    }
    // A huge page of objects is stopped before anything runs, by the query cost limit.
    const huge = await server.gql('{ clusters(first: 1000000) { nodes { name } } }', {}, server.adminToken);
    expect(huge.data ?? null).toBeNull();
    expect(huge.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
    const hugeCount = await server.gql('{ clusters(first: 1000000) { totalCount } }', {}, server.adminToken);
    expect(hugeCount.errors?.[0].extensions?.code).toBe('INVALID_PAGINATION');
    const garbage = await server.gql('{ nodes(first: 5, after: "garbage") { totalCount } }', {}, server.adminToken);
    expect(garbage.errors?.[0].extensions).toMatchObject({ code: 'INVALID_PAGINATION', field: 'after' });
    const missing = await server.gql('{ clusters { totalCount } }', {}, server.adminToken);
    expect(missing.errors?.[0].message).toMatch(/argument "first"/);
    // Pages are stable and complete.
    const names: string[] = [];
    let after: string | null = null;
    do {
      const page: any = ok<any>(
        await server.gql(
          'query($after: String) { nodes(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }',
          { after },
          server.adminToken,
        ),
      ).nodes;
      names.push(...page.nodes.map((node: any) => node.name));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(names).toEqual(['existing-manager', 'e-1', 'e-2']);
  });

  it('refuses oversized reports and request bodies', async () => {
    const manager = await enrollManager(server, 'oversized');
    const report = ok<any>(
      await server.gql(REPORT, { input: { snapshot: Array.from({ length: 21 }, (_, index) => ({ name: `n-${index}` })) } }, manager.credential),
    ).reportMembership;
    expect(report).toMatchObject({ code: 'BATCH_TOO_LARGE' });
    const huge = await server.gql('{ viewer { name } }', { padding: 'x'.repeat(300_000) }, server.adminToken);
    expect(huge.status).toBe(413);
  });

  it('never shows stack traces or SQL, and limits query shape', async () => {
    const depth = await server.gql(
      '{ clusters(first: 1) { nodes { manager { cluster { manager { cluster { manager { cluster { manager { cluster { manager { cluster { name } } } } } } } } } } } } }',
      {},
      server.adminToken,
    );
    expect(depth.errors?.[0].message).toMatch(/depth/i);
    // A fragment first used shallow, then deep, is measured at each use (GHSA-224p-v68g-5g8f).
    const fragmentDepth = await server.gql(
      `query {
        shallow: cluster(name: "x") { ...Deep }
        clusters(first: 1) { nodes { manager { cluster { manager { cluster { ...Deep } } } } } }
      }
      fragment Deep on Cluster { manager { cluster { manager { cluster { manager { cluster { name } } } } } } }`,
      {},
      server.adminToken,
    );
    expect(fragmentDepth.errors?.[0].message).toMatch(/depth/i);
    const aliases = Array.from({ length: 50 }, (_, index) => `a${index}: viewer { name }`).join(' ');
    expect((await server.gql(`{ ${aliases} }`, {}, server.adminToken)).errors?.[0].message).toMatch(/alias/i);
    // Suggestions are for signed-in people; anonymous callers and agents learn nothing of the schema.
    const typo = await server.gql('{ systemOverveiw { clusterCount } }');
    expect(JSON.stringify(typo)).not.toMatch(/Did you mean|systemOverview/);
    expect(JSON.stringify(await server.gql('{ systemOverveiw { clusterCount } }', {}, server.adminToken))).toMatch(/Did you mean/);
    const batch = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify([{ query: '{ viewer { name } }' }, { query: '{ viewer { name } }' }]),
    });
    expect(batch.status).toBeGreaterThanOrEqual(400);
    const viaGet = await fetch(`${server.url}/graphql?query=${encodeURIComponent('mutation { logout { __typename } }')}`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(viaGet.status).toBe(405);
    const forged = await server.gql('{ viewer { name } }', {}, 'ocs_forged-token');
    expect(forged.status).toBe(401);
    expect(forged.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    for (const response of [depth, typo, forged]) {
      const text = JSON.stringify(response);
      expect(text).not.toMatch(/\bat .*\.ts:\d+|select |insert into|stack/i);
    }
  });

  /** The audit rows of one action, oldest first: [result, errorCode]. */
  const audited = async (action: string) =>
    (await server.database.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(auditLog.id)).map((row) => [row.result, row.errorCode]);

  it('refuses a self-healing policy out of bounds with a typed error naming the field, and stores nothing', async () => {
    const create = (input: Record<string, unknown>) =>
      mutate(
        `mutation($input: RemediationPolicyInput!) { createRemediationPolicy(input: $input) { __typename ... on Error { code message } ... on ValidationError { field } } }`,
        { input: { name: 'heal', target: { all: true }, ...input } },
      );
    const cases: [Record<string, unknown>, string, string, RegExp][] = [
      [{ maxRestartsPerHour: 0 }, 'INVALID_ARGUMENT', 'maxRestartsPerHour', /from 1 to 20/],
      [{ maxRestartsPerHour: 21 }, 'INVALID_ARGUMENT', 'maxRestartsPerHour', /from 1 to 20/],
      [{ flapWindow: '59s' }, 'INVALID_ARGUMENT', 'flapWindow', /from 1m to 1d/],
      [{ flapWindow: '25h' }, 'INVALID_ARGUMENT', 'flapWindow', /from 1m to 1d/],
      [{ for: '999ms' }, 'INVALID_ARGUMENT', 'for', /from 1s to 1d/],
      [{ for: '0s' }, 'INVALID_ARGUMENT', 'for', /from 1s to 1d/],
      [{ for: '2d' }, 'INVALID_ARGUMENT', 'for', /from 1s to 1d/],
      [{ statuses: ['UNKNOWN'] }, 'INVALID_ARGUMENT', 'statuses', /UNKNOWN is never healed/],
      [{ statuses: ['DOWN', 'UP'] }, 'INVALID_ARGUMENT', 'statuses', /UP is never healed/],
      [{ statuses: ['MAINTENANCE'] }, 'INVALID_ARGUMENT', 'statuses', /MAINTENANCE is never healed/],
      [{ causes: ['REPORTED_FAILURE', 'RECOVERED'] }, 'INVALID_ARGUMENT', 'causes', /RECOVERED never leaves a node DOWN or SUSPECT/],
      [{ target: {} }, 'INVALID_TARGET', 'target', /target is empty/],
      [{ target: { clusters: [] } }, 'INVALID_TARGET', 'target', /at least one/],
      [{ target: { clusters: ['nope'] } }, 'INVALID_TARGET', 'target', /"nope"/],
      [{ target: { all: true, clusters: ['existing'] } }, 'INVALID_TARGET', 'target', /all and clusters/],
      [{ target: { nodes: ['not-an-id'] } }, 'INVALID_TARGET', 'target', /not a node id/],
      [{ target: { nodes: [UNKNOWN] } }, 'INVALID_TARGET', 'target', /No node/],
    ];
    for (const [input, code, field, message] of cases) {
      const result = await create(input);
      expect(result, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', code, field });
      expect(result.message, JSON.stringify(input)).toMatch(message);
    }
    expect(ok<any>(await server.gql('{ remediationPolicies { name } }', {}, server.adminToken)).remediationPolicies).toEqual([]);
    // Each refusal is audited as such, once; no change was recorded.
    expect(await audited('remediation.create')).toEqual(cases.map(([, code]) => ['FAILED', code]));
  });

  it('refuses to expire a silence that has already ended or does not exist, and changes nothing', async () => {
    const SILENCE = `mutation($input: SilenceInput!) { createSilence(input: $input) { ... on Silence { id endsAt } } }`;
    const EXPIRE = `mutation($id: ID!) { expireSilence(id: $id) { __typename ... on Silence { endsAt active } ... on Error { code message } } }`;
    const lapsed = await mutate(SILENCE, { input: { matchers: [{ label: 'node', value: 'e-1' }], duration: '1m', comment: 'lapses' } });
    const created = await mutate(SILENCE, { input: { matchers: [{ label: 'node', value: 'e-2' }], duration: '1h', comment: 'ended by hand' } });
    const first = await mutate(EXPIRE, { id: created.id });
    expect(first).toMatchObject({ __typename: 'Silence', active: false });
    // The 1m silence ends on its own; the other was ended above. Neither can be ended again.
    server.clock.advance(2 * 60_000);
    for (const [silence, endsAt] of [
      [lapsed, lapsed.endsAt],
      [created, first.endsAt],
    ]) {
      expect(await mutate(EXPIRE, { id: silence.id })).toEqual({
        __typename: 'ConflictError',
        code: 'INVALID_STATE',
        message: 'The silence has already ended.',
      });
      const [stored] = ok<any>(await server.gql('{ silences { id endsAt } }', {}, server.adminToken)).silences.filter((row: any) => row.id === silence.id);
      expect(stored.endsAt).toBe(endsAt);
    }
    expect(await mutate(EXPIRE, { id: UNKNOWN })).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await mutate(EXPIRE, { id: 'not-an-id' })).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT' });
    expect(await audited('silence.expire')).toEqual([
      ['SUCCESS', null],
      ['FAILED', 'INVALID_STATE'],
      ['FAILED', 'INVALID_STATE'],
      ['FAILED', 'NOT_FOUND'],
      ['FAILED', 'INVALID_ARGUMENT'],
    ]);
  });
});
