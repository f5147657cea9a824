import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { events } from '../../api/src/modules/events/events.table.ts';
import { nodeStatusHistory } from '../../api/src/modules/liveness/liveness.table.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { enrollManager, statusOf } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const INTERVAL = 5_000;

async function causes(server: TestServer, clusterName: string): Promise<Record<string, string>> {
  const result = ok<any>(
    await server.gql(`query($n: String!) { cluster(name: $n) { nodes(first: 100) { nodes { name statusCause } } } }`, { n: clusterName }, server.adminToken),
  );
  return Object.fromEntries(result.cluster.nodes.nodes.map((node: any) => [node.name, node.statusCause]));
}

async function nodeId(server: TestServer, clusterName: string, nodeName: string): Promise<string> {
  const result = ok<any>(
    await server.gql(`query($n: String!) { cluster(name: $n) { nodes(first: 100) { nodes { id name } } } }`, { n: clusterName }, server.adminToken),
  );
  return result.cluster.nodes.nodes.find((node: any) => node.name === nodeName).id;
}

// A server per test: the tests judge every node the sweep sees, count every statement and history
// row, and restart the OC at chosen instants of its clock, so one test's fleet would be another's.
describe('liveness', () => {
  let server: TestServer;
  const statements: string[] = [];

  beforeEach(async () => {
    statements.length = 0;
    server = await startTestServer({ database: await createTestDatabase((sql) => statements.push(sql)) });
    // Past the warm-up, so verdicts are made.
    await server.tick(30_000);
  });
  afterEach(() => server.stop());

  it('turns a worker missing from fresh batches SUSPECT after 3 intervals and DOWN after 6', async () => {
    const manager = await enrollManager(server, 'as', { workers: ['as-1', 'as-2'] });
    await manager.beat([{ name: 'as-1' }, { name: 'as-2' }]);
    for (let interval = 1; interval <= 6; interval += 1) {
      await server.tick(INTERVAL);
      await manager.beat([{ name: 'as-1' }]);
      const status = await statusOf(server, 'as');
      expect(status['as-1']).toBe('UP');
      expect(status['as-2']).toBe(interval < 3 ? 'UP' : interval < 6 ? 'SUSPECT' : 'DOWN');
    }
    expect((await causes(server, 'as'))['as-2']).toBe('MISSED_HEARTBEATS');
    expect((await statusOf(server, 'as'))['as-manager']).toBe('UP');
  });

  it('gives a new node’s first UP the cause FIRST_HEARTBEAT, also across an OC restart, and a later return to UP RECOVERED', async () => {
    const manager = await enrollManager(server, 'new', { workers: ['new-1', 'new-2'] });
    await manager.beat([{ name: 'new-1' }, { name: 'new-2', state: 'STARTING' }]);
    expect(await statusOf(server, 'new')).toEqual({ 'new-manager': 'UP', 'new-1': 'UP', 'new-2': 'UNKNOWN' });
    expect(await causes(server, 'new')).toEqual({ 'new-manager': 'FIRST_HEARTBEAT', 'new-1': 'FIRST_HEARTBEAT', 'new-2': 'JOINED' });
    await server.restart();
    await manager.beat([{ name: 'new-1' }, { name: 'new-2' }]);
    expect((await causes(server, 'new'))['new-2']).toBe('FIRST_HEARTBEAT');
    await server.tick(INTERVAL);
    await manager.beat([{ name: 'new-1', state: 'UNHEALTHY' }, { name: 'new-2' }]);
    await manager.beat([{ name: 'new-1' }, { name: 'new-2' }]);
    expect((await causes(server, 'new'))['new-1']).toBe('RECOVERED');
    // A node that left and joined again starts reporting anew.
    await manager.report(['new-1']);
    await manager.report(['new-1', 'new-2']);
    await manager.beat([{ name: 'new-1' }, { name: 'new-2' }]);
    const history = ok<any>(
      await server.gql(
        `query($id: ID!) { node(id: $id) { statusHistory(first: 10) { nodes { from to cause } } } }`,
        { id: await nodeId(server, 'new', 'new-2') },
        server.adminToken,
      ),
    ).node.statusHistory.nodes;
    expect(history).toEqual([
      { from: 'UNKNOWN', to: 'UP', cause: 'FIRST_HEARTBEAT' },
      { from: 'LEFT', to: 'UNKNOWN', cause: 'REJOINED' },
      { from: 'UP', to: 'LEFT', cause: 'LEFT' },
      { from: 'UNKNOWN', to: 'UP', cause: 'FIRST_HEARTBEAT' },
    ]);
  });

  it('makes a reported failure SUSPECT at once and DOWN once it persists, then RECOVERED', async () => {
    const manager = await enrollManager(server, 'esb', { workers: ['esb-1'] });
    await manager.beat([{ name: 'esb-1' }]);
    await manager.beat([{ name: 'esb-1', state: 'STOPPED' }]);
    expect((await statusOf(server, 'esb'))['esb-1']).toBe('SUSPECT');
    expect((await causes(server, 'esb'))['esb-1']).toBe('REPORTED_FAILURE');
    await server.tick(2 * INTERVAL);
    await manager.beat([{ name: 'esb-1', state: 'STOPPED' }]);
    expect((await statusOf(server, 'esb'))['esb-1']).toBe('SUSPECT');
    await server.tick(INTERVAL);
    await manager.beat([{ name: 'esb-1', state: 'STOPPED' }]);
    await server.tick(0);
    expect((await statusOf(server, 'esb'))['esb-1']).toBe('DOWN');
    await manager.beat([{ name: 'esb-1' }]);
    expect((await statusOf(server, 'esb'))['esb-1']).toBe('UP');
    expect((await causes(server, 'esb'))['esb-1']).toBe('RECOVERED');
  });

  it('marks every node UNKNOWN, never DOWN, when the manager lease expires, and recovers without flapping', async () => {
    const manager = await enrollManager(server, 'apim', { workers: ['apim-1', 'apim-2', 'apim-3'] });
    await manager.beat([{ name: 'apim-1' }, { name: 'apim-2' }, { name: 'apim-3' }]);
    const history = () => server.database.db.select().from(nodeStatusHistory).orderBy(nodeStatusHistory.id);
    const before = (await history()).length;
    for (let second = 0; second < 120; second += 5) await server.tick(5_000);
    expect(await statusOf(server, 'apim')).toEqual({ 'apim-manager': 'UNKNOWN', 'apim-1': 'UNKNOWN', 'apim-2': 'UNKNOWN', 'apim-3': 'UNKNOWN' });
    expect(Object.values(await causes(server, 'apim'))).toEqual(Array(4).fill('MANAGER_UNREACHABLE'));
    const health = ok<any>(await server.gql(`{ cluster(name: "apim") { health } }`, {}, server.adminToken)).cluster.health;
    expect(health).toBe('UNREACHABLE');
    // Each node changed once (UP -> UNKNOWN); the long silence never turned into DOWN.
    const transitions = (await history()).slice(before);
    expect(transitions.map((row) => row.toStatus)).toEqual(Array(4).fill('UNKNOWN'));

    await manager.beat([{ name: 'apim-1' }, { name: 'apim-2' }, { name: 'apim-3' }]);
    expect(await statusOf(server, 'apim')).toEqual({ 'apim-manager': 'UP', 'apim-1': 'UP', 'apim-2': 'UP', 'apim-3': 'UP' });
    expect((await history()).slice(before).length).toBe(8);
  });

  it('writes no history and publishes nothing for a steady heartbeat, in one statement per batch', async () => {
    const manager = await enrollManager(server, 'steady', { workers: ['s-1', 's-2', 's-3'] });
    const entries = [{ name: 's-1' }, { name: 's-2' }, { name: 's-3' }];
    await manager.beat(entries);
    await manager.beat(entries);
    const historyBefore = (await server.database.db.select().from(nodeStatusHistory)).length;
    const eventsBefore = (await server.database.db.select().from(events)).length;
    statements.length = 0;
    for (let beat = 0; beat < 5; beat += 1) {
      await server.tick(INTERVAL);
      await manager.beat(entries.map((entry) => ({ ...entry, stats: { cpuPercent: 10 + beat, memoryBytes: 1e8 } })));
    }
    expect(statements.length).toBe(5);
    expect(statements.every((sql) => sql.trimStart().startsWith('update "node_liveness"'))).toBe(true);
    expect((await server.database.db.select().from(nodeStatusHistory)).length).toBe(historyBefore);
    expect((await server.database.db.select().from(events)).length).toBe(eventsBefore);
  });

  it('never marks anything DOWN because the OC itself restarted', async () => {
    const manager = await enrollManager(server, 'restart', { workers: ['r-1', 'r-2'] });
    await manager.beat([{ name: 'r-1' }, { name: 'r-2' }]);
    // The OC is away long enough that every node's last heartbeat is old by any window.
    server.clock.advance(10 * 60_000);
    await server.restart();
    for (let second = 0; second < 25; second += 5) {
      await server.tick(5_000);
      expect(Object.values(await statusOf(server, 'restart')).every((status) => status === 'UP')).toBe(true);
    }
    await manager.beat([{ name: 'r-1' }, { name: 'r-2' }]);
    for (let second = 0; second < 60; second += 5) {
      await server.tick(5_000);
      await manager.beat([{ name: 'r-1' }, { name: 'r-2' }]);
    }
    expect(await statusOf(server, 'restart')).toEqual({ 'restart-manager': 'UP', 'r-1': 'UP', 'r-2': 'UP' });
    const downs = (await server.database.db.select().from(nodeStatusHistory)).filter((row) => row.toStatus !== 'UP');
    expect(downs).toEqual([]);
  });

  it('judges a manager that never came back after an OC restart as unreachable once the warm-up is over', async () => {
    const manager = await enrollManager(server, 'gone', { workers: ['g-1'] });
    await manager.beat([{ name: 'g-1' }]);
    await server.restart();
    for (let second = 0; second < 45; second += 5) await server.tick(5_000);
    expect(await statusOf(server, 'gone')).toEqual({ 'gone-manager': 'UNKNOWN', 'g-1': 'UNKNOWN' });
  });
});
