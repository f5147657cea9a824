import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
