import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { ScriptedAgent } from '../helpers/scripted-agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const REPORT = `query($target: Target!, $since: DateTime!, $until: DateTime, $buckets: Int) {
  availability(target: $target, since: $since, until: $until, buckets: $buckets) {
    nodeCount uptimePercent availabilityPercent up unplannedDowntime plannedDowntime unknown incidents mttr mtbf
    intervals { nodeName kind from to duration operationId cause }
    nodes { nodeName uptimePercent availabilityPercent incidents }
    buckets { from unplannedDowntime plannedDowntime }
    csv
  }
}`;

describe('availability', () => {
  let server: TestServer;
  let agent: ScriptedAgent;
  let start: Date;

  beforeAll(async () => {
    server = await startTestServer({ config: { operationsTick: '1h' } });
    await server.tick(30_000);
    const manager = await enrollManager(server, 'avail', { workers: ['a-1', 'a-2'] });
    agent = new ScriptedAgent(server, manager, ['a-1', 'a-2']);
    await agent.beat();
    start = server.clock.now();
    const minute = async (count: number) => {
      for (let index = 0; index < count * 12; index += 1) {
        server.clock.advance(5000);
        await agent.beat();
      }
    };
    // 10 minutes all up; a-1 crashes and is DOWN for a while; a planned restart of a-2; the manager vanishes for a while.
    await minute(10);
    agent.states.set('a-1', 'STOPPED');
    await minute(10);
    agent.states.set('a-1', 'HEALTHY');
    await minute(10);
    const node = ok<any>(await server.gql(`{ nodes(first: 5, target: { clusters: ["avail"] }) { nodes { id name } } }`, {}, server.adminToken)).nodes.nodes.find(
      (candidate: any) => candidate.name === 'a-2',
    );
    const operation = ok<any>(
      await server.gql(`mutation($n: ID!) { createOperation(input: { kind: RESTART, target: { nodes: [$n] }, strategy: { minHealthyTime: "1m" } }) { ... on Operation { id } } }`, { n: node.id }, server.adminToken),
    ).createOperation;
    await server.app.services.engine.tick();
    const [command] = await agent.received(1);
    await agent.restart(command);
    await server.app.services.engine.tick();
    await minute(3);
    await server.app.services.engine.tick();
    expect(ok<any>(await server.gql(`query($id: ID!) { operation(id: $id) { state } }`, { id: operation.id }, server.adminToken)).operation.state).toBe('SUCCEEDED');
    await minute(7);
    for (let second = 0; second < 600; second += 5) await server.tick(5000);
    await minute(10);
  });
  afterAll(() => server.stop());

  it('splits downtime into unplanned, planned (with the operation) and unknown, and computes the figures', async () => {
    const report = ok<any>(
      await server.gql(REPORT, { target: { clusters: ['avail'] }, since: start.toISOString(), until: server.clock.now().toISOString(), buckets: 6 }, server.adminToken),
    ).availability;
    expect(report.nodeCount).toBe(3);
    const kinds = report.intervals.map((interval: any) => [interval.nodeName, interval.kind]);
    expect(kinds).toContainEqual(['a-1', 'UNPLANNED']);
    expect(kinds).toContainEqual(['a-2', 'PLANNED']);
    expect(kinds.filter(([, kind]: string[]) => kind === 'UNKNOWN')).toHaveLength(3);
    const down = report.intervals.find((interval: any) => interval.kind === 'UNPLANNED');
    // Reported failing from minute 10: SUSPECT at once, DOWN 15 s later, UP again at minute 20.
    expect(down.duration).toBe('9m45s');
    expect(down.cause).toBe('REPORTED_FAILURE');
    const planned = report.intervals.find((interval: any) => interval.kind === 'PLANNED');
    expect(planned.operationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.incidents).toBe(1);
    expect(report.mttr).toBe('9m45s');
    const a1 = report.nodes.find((node: any) => node.nodeName === 'a-1');
    expect(a1.incidents).toBe(1);
    expect(a1.uptimePercent).toBeGreaterThan(80);
    expect(a1.uptimePercent).toBeLessThan(90);
    const a2 = report.nodes.find((node: any) => node.nodeName === 'a-2');
    expect(a2.availabilityPercent).toBe(100);
    expect(a2.uptimePercent).toBeLessThan(100);
    expect(report.buckets).toHaveLength(6);
    expect(report.csv.split('\n')[0]).toBe('node,cluster,kind,from,to,duration_seconds,operation,cause');
    expect(report.csv).toContain('a-1,avail,UNPLANNED,');
  });

  it('refuses a window that is backwards or too long', async () => {
    const backwards = await server.gql(REPORT, { target: { all: true }, since: server.clock.now().toISOString(), until: start.toISOString() }, server.adminToken);
    expect(backwards.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_ARGUMENT' } });
    const long = await server.gql(REPORT, { target: { all: true }, since: '2020-01-01T00:00:00Z' }, server.adminToken);
    expect(long.errors?.[0].message).toMatch(/366 days/);
  });
});
