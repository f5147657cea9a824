import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEAT, enrollManager, REPORT, statusOf } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('membership reports', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const report = (credential: string, input: Record<string, unknown>) => server.gql(REPORT, { input }, credential).then((r) => ok<any>(r).reportMembership);

  it('applies snapshots idempotently, marks absent workers LEFT and brings them back as the same node', async () => {
    const manager = await enrollManager(server, 'm');
    expect(await report(manager.credential, { snapshot: [{ name: 'm-1', version: '1.0' }, { name: 'm-2' }] })).toMatchObject({
      joined: ['m-1', 'm-2'],
      left: [],
    });
    expect(await report(manager.credential, { snapshot: [{ name: 'm-1', version: '1.0' }, { name: 'm-2' }] })).toMatchObject({
      joined: [],
      left: [],
      updated: [],
      unchanged: 2,
    });
    const ids = async () =>
      Object.fromEntries(
        ok<any>(await server.gql('{ cluster(name: "m") { nodes(first: 10) { nodes { id name } } } }', {}, server.adminToken)).cluster.nodes.nodes.map(
          (node: any) => [node.name, node.id],
        ),
      );
    const before = await ids();
    expect(await report(manager.credential, { snapshot: [{ name: 'm-1', version: '1.1' }] })).toMatchObject({ updated: ['m-1'], left: ['m-2'] });
    expect((await statusOf(server, 'm'))['m-2']).toBe('LEFT');
    expect(await report(manager.credential, { joined: [{ name: 'm-2' }] })).toMatchObject({ rejoined: ['m-2'] });
    expect(await ids()).toEqual(before);
    const node = ok<any>(
      await server.gql(
        `query($id: ID!) { node(id: $id) { version status statusHistory(first: 10) { nodes { from to cause } } } }`,
        { id: before['m-2'] },
        server.adminToken,
      ),
    ).node;
    expect(node.status).toBe('UNKNOWN');
    expect(node.statusHistory.nodes).toEqual([
      { from: 'LEFT', to: 'UNKNOWN', cause: 'REJOINED' },
      { from: 'UNKNOWN', to: 'LEFT', cause: 'LEFT' },
    ]);
    expect(await report(manager.credential, { left: ['m-2', 'never-existed'] })).toMatchObject({ left: ['m-2'] });
    expect(await report(manager.credential, { left: ['m-2'] })).toMatchObject({ left: [] });
    // The manager itself never leaves through a snapshot.
    await report(manager.credential, { snapshot: [] });
    expect((await statusOf(server, 'm'))['m-manager']).not.toBe('LEFT');
  });

  it('keeps each worker’s own console URL as its manager reports it; the manager’s console is its cluster’s', async () => {
    const manager = await enrollManager(server, 'cons');
    const consoles = async () =>
      Object.fromEntries(
        ok<any>(
          await server.gql('{ cluster(name: "cons") { nodes(first: 10) { nodes { name consoleUrl } } } }', {}, server.adminToken),
        ).cluster.nodes.nodes.map((node: any) => [node.name, node.consoleUrl]),
      );
    expect(await report(manager.credential, { snapshot: [{ name: 'cons-1', consoleUrl: 'http://10.0.0.5:8081/console' }, { name: 'cons-2' }] })).toMatchObject({
      joined: ['cons-1', 'cons-2'],
    });
    expect(await consoles()).toEqual({ 'cons-manager': null, 'cons-1': 'http://10.0.0.5:8081/console', 'cons-2': null });

    const clusterConsole = 'https://cons-manager.example:9443/console';
    ok(
      await server.gql(
        'mutation($id: ID!, $u: String) { updateCluster(id: $id, input: { consoleUrl: $u }) { __typename } }',
        { id: manager.clusterId, u: clusterConsole },
        server.adminToken,
      ),
    );
    expect((await consoles())['cons-manager']).toBe(clusterConsole);

    expect(await report(manager.credential, { snapshot: [{ name: 'cons-1' }, { name: 'cons-2', consoleUrl: 'https://cons-2.example/admin' }] })).toMatchObject({
      updated: ['cons-1', 'cons-2'],
      unchanged: 0,
    });
    expect(await consoles()).toEqual({ 'cons-manager': clusterConsole, 'cons-1': null, 'cons-2': 'https://cons-2.example/admin' });
  });

  it('refuses a report that is both or neither, has duplicates or bad names, and changes nothing', async () => {
    const manager = await enrollManager(server, 'bad', { workers: ['b-1'] });
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'INVALID_ARGUMENT'],
      [{ snapshot: [], left: ['b-1'] }, 'INVALID_ARGUMENT'],
      [{ snapshot: [{ name: 'x' }, { name: 'x' }] }, 'INVALID_ARGUMENT'],
      [{ snapshot: [{ name: '' }] }, 'INVALID_NAME'],
      [{ snapshot: [{ name: 'a'.repeat(64) }] }, 'INVALID_NAME'],
      // NUL is refused up front, whatever the field: no column could store it.
      [{ snapshot: [{ name: 'bad\u0000name' }] }, 'INVALID_ARGUMENT'],
      [{ joined: [{ name: 'b-2', labels: { k: 1 } }] }, 'INVALID_ARGUMENT'],
      [{ joined: [{ name: 'b-2', consoleUrl: 'javascript:alert(1)' }] }, 'INVALID_URL'],
      [{ joined: [{ name: 'b-2', consoleUrl: '/console' }] }, 'INVALID_URL'],
    ];
    for (const [input, code] of cases) {
      const result = await report(manager.credential, input);
      expect(result, JSON.stringify(input)).toMatchObject({ code });
    }
    expect(Object.keys(await statusOf(server, 'bad')).sort()).toEqual(['b-1', 'bad-manager']);
  });
});

describe('heartbeat batches', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { maxHeartbeatBatch: 50 } });
  });
  afterAll(() => server.stop());

  it('applies good entries, refuses bad ones one by one, and reports why', async () => {
    const manager = await enrollManager(server, 'hb', { workers: ['hb-1', 'hb-2', 'hb-3'] });
    await server.gql(REPORT, { input: { left: ['hb-3'] } }, manager.credential);
    const receipt = await manager.beat([
      { name: 'hb-1', stats: { cpuPercent: 42.5, memoryBytes: 123456789, load1: 0.7, diskPercent: 55, uptimeSeconds: 3600 } },
      { name: 'hb-1' },
      { name: 'ghost' },
      { name: 'hb-2', stats: { diskPercent: 140 } },
      { name: 'hb-3' },
      { nodeId: 'not-a-uuid' },
      { name: 'hb-2', nodeId: '00000000-0000-0000-0000-000000000000' },
    ]);
    expect(receipt.accepted).toBe(2);
    expect(receipt.refused.map((refusal: any) => refusal.code)).toEqual([
      'DUPLICATE_ENTRY',
      'UNKNOWN_NODE',
      'INVALID_ENTRY',
      'UNKNOWN_NODE',
      'INVALID_ENTRY',
      'INVALID_ENTRY',
    ]);
    const node = ok<any>(
      await server.gql(
        `{ cluster(name: "hb") { nodes(first: 10, statuses: [UP]) { nodes { name version lastHeartbeatAt stats { cpuPercent memoryBytes load1 diskPercent uptimeSeconds } } } } }`,
        {},
        server.adminToken,
      ),
    ).cluster.nodes.nodes.find((row: any) => row.name === 'hb-1');
    expect(node.stats).toEqual({ cpuPercent: 42.5, memoryBytes: 123456789, load1: 0.7, diskPercent: 55, uptimeSeconds: 3600 });
    expect(new Date(node.lastHeartbeatAt).getTime()).toBe(server.clock.now().getTime());
  });

  it('keeps the last measurements of a node that stopped or went silent, with their time, and tells its last report from its last healthy one', async () => {
    const manager = await enrollManager(server, 'stop', { workers: ['stop-1', 'stop-2'] });
    const measured = { cpuPercent: 40, memoryBytes: 1_000_000, load1: 0.5, diskPercent: 30, uptimeSeconds: 100 };
    await manager.beat([
      { name: 'stop-1', stats: measured },
      { name: 'stop-2', stats: measured },
    ]);
    const healthyAt = server.clock.now().toISOString();
    // A stopped process has no measurements: what an agent sends along with STOPPED is not taken for them.
    for (let beat = 1; beat <= 4; beat += 1) {
      server.clock.advance(5_000);
      await manager.beat([
        { name: 'stop-1', state: 'STOPPED', stats: { cpuPercent: 0, memoryBytes: 0, load1: 0.9, uptimeSeconds: 100 + 5 * beat } },
        { name: 'stop-2', stats: { ...measured, uptimeSeconds: 100 + 5 * beat } },
      ]);
    }
    const nodes = async () =>
      Object.fromEntries(
        ok<any>(
          await server.gql(
            `{ cluster(name: "stop") { nodes(first: 10) { nodes { name status lastHeartbeatAt lastHealthyAt stats { cpuPercent memoryBytes load1 diskPercent uptimeSeconds reportedAt current } } } } }`,
            {},
            server.adminToken,
          ),
        ).cluster.nodes.nodes.map((node: any) => [node.name, node]),
      );
    const now = server.clock.now().toISOString();
    let seen = await nodes();
    expect(seen['stop-1']).toEqual({
      name: 'stop-1',
      status: 'DOWN',
      // Its manager still reports on it; it was last healthy 20 s ago, and that is when its figures were taken.
      lastHeartbeatAt: now,
      lastHealthyAt: healthyAt,
      stats: { ...measured, reportedAt: healthyAt, current: false },
    });
    expect(seen['stop-2']).toMatchObject({ status: 'UP', lastHealthyAt: now, stats: { uptimeSeconds: 120, reportedAt: now, current: true } });

    // Left out of the batches, stop-2's figures stop being current once it is missed (SUSPECT, 3 intervals).
    for (let beat = 1; beat <= 3; beat += 1) {
      server.clock.advance(5_000);
      await manager.beat([{ name: 'stop-1', state: 'STOPPED' }]);
    }
    seen = await nodes();
    expect(seen['stop-2']).toMatchObject({ status: 'SUSPECT', lastHeartbeatAt: now, stats: { uptimeSeconds: 120, reportedAt: now, current: false } });
  });

  it('ignores a batch whose sequence is not newer than one applied', async () => {
    const manager = await enrollManager(server, 'seq', { workers: ['seq-1'] });
    await manager.beat([{ name: 'seq-1' }]);
    const stale = ok<any>(
      await server.gql(BEAT, { input: { sequence: manager.sequence, entries: [{ name: 'seq-1', state: 'STOPPED' }] } }, manager.credential),
    ).sendHeartbeats;
    expect(stale).toMatchObject({ stale: true, accepted: 0 });
    expect((await statusOf(server, 'seq'))['seq-1']).toBe('UP');
  });

  it('tells a manager whose counter started over (say, after it restarted) which sequence was last applied', async () => {
    const manager = await enrollManager(server, 'counter', { workers: ['counter-1'] });
    const beat = async (sequence: number, state = 'HEALTHY') =>
      ok<any>(
        await server.gql(
          `mutation($input: HeartbeatBatchInput!) { sendHeartbeats(input: $input) { ... on HeartbeatReceipt { accepted stale lastAppliedSequence hint } } }`,
          {
            input: {
              sequence,
              entries: [
                { name: 'counter-manager', state: 'HEALTHY' },
                { name: 'counter-1', state },
              ],
            },
          },
          manager.credential,
        ),
      ).sendHeartbeats;
    expect(await beat(5000)).toEqual({ accepted: 2, stale: false, lastAppliedSequence: 5000, hint: null });
    const stale = await beat(1, 'STOPPED');
    expect(stale).toMatchObject({ accepted: 0, stale: true, lastAppliedSequence: 5000 });
    expect(stale.hint).toContain('5000');
    expect(stale.hint).toMatch(/keep growing across agent restarts/);
    expect((await statusOf(server, 'counter'))['counter-1']).toBe('UP');
    // Jumping past the last applied sequence is all it takes.
    expect(await beat(5001, 'STOPPED')).toEqual({ accepted: 2, stale: false, lastAppliedSequence: 5001, hint: null });
    expect((await statusOf(server, 'counter'))['counter-1']).toBe('SUSPECT');
  });

  it('refuses an oversized batch as a whole and changes nothing', async () => {
    const manager = await enrollManager(server, 'big', { workers: ['big-1'] });
    const entries = Array.from({ length: 51 }, () => ({ name: 'big-1', state: 'STOPPED' }));
    const result = ok<any>(await server.gql(BEAT, { input: { sequence: 1, entries } }, manager.credential)).sendHeartbeats;
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'BATCH_TOO_LARGE' });
    expect((await statusOf(server, 'big'))['big-1']).toBe('UNKNOWN');
  });

  it('keeps a per-minute series of stats for charts', async () => {
    const manager = await enrollManager(server, 'series', { workers: ['series-1'] });
    const start = server.clock.now().getTime();
    server.clock.advance(60_000 - (start % 60_000));
    for (let second = 0; second < 120; second += 10) {
      await manager.beat([{ name: 'series-1', stats: { cpuPercent: second < 60 ? 10 : 30, memoryBytes: 1000 } }]);
      server.clock.advance(10_000);
    }
    await server.tick(0);
    const id = ok<any>(
      await server.gql('{ nodes(first: 10, target: { clusters: ["series"] }) { nodes { id name } } }', {}, server.adminToken),
    ).nodes.nodes.find((node: any) => node.name === 'series-1').id;
    const series = ok<any>(
      await server.gql(
        `query($id: ID!, $since: DateTime) { node(id: $id) { statsSeries(since: $since) { cpuPercent memoryBytes samples } } }`,
        {
          id,
          since: new Date(server.clock.now().getTime() - 3_600_000).toISOString(),
        },
        server.adminToken,
      ),
    ).node.statsSeries;
    expect(series).toEqual([
      { cpuPercent: 10, memoryBytes: 1000, samples: 6 },
      { cpuPercent: 30, memoryBytes: 1000, samples: 6 },
    ]);
  });
});
