import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeStats } from '../../api/src/modules/liveness/liveness.table.ts';
import { nodes } from '../../api/src/modules/nodes/nodes.table.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const WORKERS = 20_000;
const MINUTE = 60_000;
/** A few thousand: far from the protocol's limit of about 65,000 bind parameters a statement. */
const PARAMETER_LIMIT = 5_000;

/** Keeps the statement with the most bind parameters that the server sent. */
function largestStatement() {
  const largest = { parameters: 0, sql: '', statements: 0 };
  const onQuery = (sql: string, params: readonly unknown[]) => {
    largest.statements += 1;
    if (params.length > largest.parameters) Object.assign(largest, { parameters: params.length, sql: sql.slice(0, 200) });
  };
  return { largest, onQuery };
}

const PROGRESS = `query($id: ID!) { operation(id: $id) { state progress { total pending inFlight cancelled } } }`;

describe(`a cluster of ${WORKERS} workers`, () => {
  let server: TestServer;
  let manager: ScriptedManager;
  const { largest, onQuery } = largestStatement();
  const names = Array.from({ length: WORKERS }, (_, index) => `big-${index}`);
  const counts = async () =>
    ok<any>(await server.gql(`{ cluster(name: "big") { managerStatus workerCounts { total up unknown left } } }`, {}, server.adminToken)).cluster;

  beforeAll(async () => {
    server = await startTestServer({
      database: await createTestDatabase(onQuery),
      // Room for the whole cluster in one report and one batch; a lease that outlasts the minute
      // the stats test waits; operations move only when the test runs the engine.
      config: { maxHeartbeatBatch: WORKERS + 1, managerLease: '5m', operationsTick: '1h' },
    });
    manager = await enrollManager(server, 'big');
  });
  afterAll(() => server?.stop());

  it('takes a membership snapshot of every worker', async () => {
    const receipt = await manager.report(names);
    expect(receipt).toMatchObject({ __typename: 'MembershipReceipt', unchanged: 0, left: [] });
    expect(new Set(receipt.joined)).toEqual(new Set(names));
    expect((await counts()).workerCounts).toEqual({ total: WORKERS, up: 0, unknown: WORKERS, left: 0 });
  });

  it('takes one heartbeat batch of every worker, turning each UP', async () => {
    const receipt = await manager.beat(names.map((name, index) => ({ name, stats: { cpuPercent: index % 100, memoryBytes: 1000 + index } })));
    expect(receipt).toMatchObject({ accepted: WORKERS + 1, refused: [], stale: false });
    expect(await counts()).toEqual({ managerStatus: 'UP', workerCounts: { total: WORKERS, up: WORKERS, unknown: 0, left: 0 } });
  });

  it('writes the stats of every worker for the minute', async () => {
    const minute = new Date(server.clock.now().getTime() - (server.clock.now().getTime() % MINUTE));
    await server.tick(MINUTE);
    const [written] = await server.database.db.select({ rows: count() }).from(nodeStats).where(eq(nodeStats.minute, minute));
    expect(written.rows).toBe(WORKERS);
    const [node] = await server.database.db.select({ id: nodes.id }).from(nodes).where(eq(nodes.name, 'big-12345'));
    const series = ok<any>(
      await server.gql(
        `query($id: ID!, $since: DateTime) { node(id: $id) { statsSeries(since: $since) { minute cpuPercent memoryBytes samples } } }`,
        { id: node.id, since: minute.toISOString() },
        server.adminToken,
      ),
    ).node.statsSeries;
    expect(series).toEqual([{ minute: minute.toISOString(), cpuPercent: 45, memoryBytes: 13_345, samples: 1 }]);
  });

  it('lists, counts, filters and reports on the cluster', async () => {
    const listed = ok<any>(
      await server.gql(`{ nodes(first: 2, target: { clusters: ["big"] }, statuses: [UP]) { totalCount nodes { name } } }`, {}, server.adminToken),
    ).nodes;
    expect(listed.totalCount).toBe(WORKERS + 1);
    const overview = ok<any>(
      await server.gql(`{ systemOverview { clusterCount nodes { total up } } clusters(first: 10) { nodes { name health } } }`, {}, server.adminToken),
    );
    expect(overview).toEqual({
      systemOverview: { clusterCount: 1, nodes: { total: WORKERS + 1, up: WORKERS + 1 } },
      clusters: { nodes: [{ name: 'big', health: 'HEALTHY' }] },
    });
    const report = ok<any>(
      await server.gql(
        `query($since: DateTime!) { availability(target: { clusters: ["big"] }, since: $since, buckets: 1) { nodeCount } }`,
        { since: new Date(server.clock.now().getTime() - 3_600_000).toISOString() },
        server.adminToken,
      ),
    ).availability;
    expect(report.nodeCount).toBe(WORKERS + 1);
  });

  it('tags a thousand nodes with fifty tags, and takes them off again', async () => {
    const ids = (await server.database.db.select({ id: nodes.id }).from(nodes).limit(1000)).map((row) => row.id);
    const tags = Array.from({ length: 50 }, (_, index) => `rack ${index}`);
    const change = (mutation: 'addTags' | 'removeTags') =>
      server.gql(
        `mutation($input: TagChangeInput!) { ${mutation}(input: $input) { __typename ... on TagChange { nodeIds } } }`,
        { input: { nodeIds: ids, tags } },
        server.adminToken,
      );
    expect(ok<any>(await change('addTags')).addTags.nodeIds).toHaveLength(1000);
    const usage = async () => ok<any>(await server.gql(`{ tags(first: 100) { nodes { tag nodeCount } } }`, {}, server.adminToken)).tags.nodes;
    expect(await usage()).toEqual(expect.arrayContaining(tags.map((tag) => ({ tag, nodeCount: 1000 }))));
    const tagged = ok<any>(await server.gql(`{ nodes(first: 1, target: { tags: { tags: ["rack 7", "rack 49"] } }) { totalCount } }`, {}, server.adminToken));
    expect(tagged.nodes.totalCount).toBe(1000);
    expect(ok<any>(await change('removeTags')).removeTags.nodeIds).toHaveLength(1000);
    expect(await usage()).toEqual([]);
  });

  it('plans and starts a rolling restart of every worker, and cancels it', async () => {
    const operation = ok<any>(
      await server.gql(CREATE_OPERATION, { input: { kind: 'ROLLING_RESTART', target: { clusters: ['big'] } } }, server.adminToken),
    ).createOperation;
    expect(operation.__typename).toBe('Operation');
    await server.app.services.engine.tick();
    const cancelled = ok<any>(await server.gql(`mutation($id: ID!) { cancelOperation(id: $id) { __typename } }`, { id: operation.id }, server.adminToken));
    expect(cancelled.cancelOperation.__typename).toBe('Operation');
    await server.app.services.engine.tick();
    const { progress } = ok<any>(await server.gql(PROGRESS, { id: operation.id }, server.adminToken)).operation;
    expect(progress).toEqual({ total: WORKERS, pending: 0, inFlight: 1, cancelled: WORKERS - 1 });
  });

  it('marks every node UNKNOWN, in one go, when the manager is silent past its lease', async () => {
    await server.tick(5 * MINUTE + 1);
    expect(await counts()).toEqual({ managerStatus: 'UNKNOWN', workerCounts: { total: WORKERS, up: 0, unknown: WORKERS, left: 0 } });
  });

  it('marks every worker LEFT when a snapshot no longer names them', async () => {
    const receipt = await manager.report([]);
    expect(receipt.left).toHaveLength(WORKERS);
    expect((await counts()).workerCounts).toMatchObject({ left: WORKERS });
  });

  it(`never sent a statement with more than ${PARAMETER_LIMIT} bind parameters`, () => {
    // Multi-row inserts fill their statements up to the limit, so the recorder did see them.
    expect(largest.parameters).toBeGreaterThan(PARAMETER_LIMIT / 2);
    expect(largest.parameters, largest.sql).toBeLessThanOrEqual(PARAMETER_LIMIT);
  });
});

describe('lists given in a request', () => {
  let server: TestServer;
  const { largest, onQuery } = largestStatement();
  const many = <T>(length: number, item: (index: number) => T) => Array.from({ length }, (_, index) => item(index));

  beforeAll(async () => {
    server = await startTestServer({ database: await createTestDatabase(onQuery) });
    await enrollManager(server, 'small', { tags: ['rack 1'], workers: ['small-1'] });
  });
  afterAll(() => server?.stop());

  it('filter nodes by a long list of statuses', async () => {
    const statuses = many(70_000, (index) => (index % 2 ? 'UNKNOWN' : 'DOWN'));
    const result = await server.gql(
      `query($s: [NodeStatus!]) { nodes(first: 10, statuses: $s) { totalCount } cluster(name: "small") { nodes(first: 10, statuses: $s) { totalCount } } }`,
      { s: statuses },
      server.adminToken,
    );
    expect(ok<any>(result)).toEqual({ nodes: { totalCount: 2 }, cluster: { nodes: { totalCount: 2 } } });
  });

  it('filter clusters by a long list of tags, all of which must match', async () => {
    const clusters = async (tags: string[]) =>
      ok<any>(await server.gql(`query($tags: [String!]) { clusters(first: 10, filter: { tags: $tags }) { nodes { name } } }`, { tags }, server.adminToken))
        .clusters.nodes;
    expect(await clusters(many(70_000, () => 'rack 1'))).toEqual([{ name: 'small' }]);
    expect(await clusters(['rack 1', 'cluster:small', 'product:application-server'])).toEqual([{ name: 'small' }]);
    expect(await clusters(['rack 1', 'cluster:other'])).toEqual([]);
    expect(await clusters(['rack 1', 'rack 2'])).toEqual([]);
    const tooMany = await server.gql(
      `query($tags: [String!]) { clusters(first: 10, filter: { tags: $tags }) { totalCount } }`,
      { tags: many(70_000, (index) => `rack ${index}`) },
      server.adminToken,
    );
    expect(tooMany.errors?.[0].extensions).toMatchObject({ code: 'INVALID_TAG', field: 'tags' });
  });

  it('filter operations by long lists of clusters, kinds and states', async () => {
    const filter = {
      clusters: many(70_000, () => '00000000-0000-4000-8000-000000000000'),
      kinds: many(70_000, () => 'ROLLING_RESTART'),
      states: many(70_000, () => 'RUNNING'),
    };
    const result = await server.gql(`query($filter: OperationFilter) { operations(first: 10, filter: $filter) { totalCount } }`, { filter }, server.adminToken);
    expect(ok<any>(result).operations.totalCount).toBe(0);
  });

  it(`never sent a statement with more than ${PARAMETER_LIMIT} bind parameters`, () => {
    expect(largest.statements).toBeGreaterThan(0);
    expect(largest.parameters, largest.sql).toBeLessThanOrEqual(PARAMETER_LIMIT);
  });
});
