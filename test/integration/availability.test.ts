import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
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
    const node = ok<any>(
      await server.gql(`{ nodes(first: 5, target: { clusters: ["avail"] }) { nodes { id name } } }`, {}, server.adminToken),
    ).nodes.nodes.find((candidate: any) => candidate.name === 'a-2');
    const operation = ok<any>(
      await server.gql(CREATE_OPERATION, { input: { kind: 'RESTART', target: { nodes: [node.id] }, strategy: { minHealthyTime: '1m' } } }, server.adminToken),
    ).createOperation;
    await server.app.services.engine.tick();
    const [command] = await agent.received(1);
    await agent.restart(command);
    await server.app.services.engine.tick();
    await minute(3);
    await server.app.services.engine.tick();
    expect(ok<any>(await server.gql(`query($id: ID!) { operation(id: $id) { state } }`, { id: operation.id }, server.adminToken)).operation.state).toBe(
      'SUCCEEDED',
    );
    await minute(7);
    for (let second = 0; second < 600; second += 5) await server.tick(5000);
    await minute(10);
  });
  afterAll(() => server.stop());

  it('splits downtime into unplanned, planned (with the operation) and unknown, and computes the figures', async () => {
    const report = ok<any>(
      await server.gql(
        REPORT,
        { target: { clusters: ['avail'] }, since: start.toISOString(), until: server.clock.now().toISOString(), buckets: 6 },
        server.adminToken,
      ),
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
    const backwards = await server.gql(
      REPORT,
      { target: { all: true }, since: server.clock.now().toISOString(), until: start.toISOString() },
      server.adminToken,
    );
    expect(backwards.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_ARGUMENT' } });
    const long = await server.gql(REPORT, { target: { all: true }, since: '2020-01-01T00:00:00Z' }, server.adminToken);
    expect(long.errors?.[0].message).toMatch(/366 days/);
  });
});

describe('availability figures, to the millisecond', () => {
  let server: TestServer;
  let manager: Awaited<ReturnType<typeof enrollManager>>;
  let since: Date;
  let until: Date;
  const states: Record<string, string> = { 'f-1': 'HEALTHY', 'f-2': 'HEALTHY' };
  const at = (seconds: number) => new Date(since.getTime() + seconds * 1000);
  /** One batch at `seconds` after the window opens, with every worker as `states` says. */
  const beatAt = async (seconds: number) => {
    server.clock.advance(at(seconds).getTime() - server.clock.now().getTime());
    await manager.beat(Object.entries(states).map(([name, state]) => ({ name, state })));
  };
  const FIGURES = `query($target: Target!, $since: DateTime!, $until: DateTime) {
    availability(target: $target, since: $since, until: $until, buckets: 3) {
      unknown incidents openIncidents mttr mtbf
      intervals { nodeName kind from to duration cause }
      nodes { nodeName incidents openIncidents mttr mtbf up unknown }
      buckets { incidents mttr }
      csv
    }
  }`;
  const report = async (from: Date) =>
    ok<any>(await server.gql(FIGURES, { target: { clusters: ['figures'] }, since: from.toISOString(), until: until.toISOString() }, server.adminToken))
      .availability;

  beforeAll(async () => {
    server = await startTestServer({ config: { operationsTick: '1h' } });
    await server.tick(30_000);
    since = server.clock.now();
    // Joined at 0 s, first heard of at 2.5 s: that start-up is neither downtime nor unknown time.
    manager = await enrollManager(server, 'figures', { workers: ['f-1', 'f-2'] });
    for (let second = 2.5; second <= 62.5; second += 5) await beatAt(second);
    // f-1 fails: SUSPECT at 67.5 s, DOWN at 82.5 s, recovered at 93 s (10.5 s down).
    states['f-1'] = 'STOPPED';
    for (const second of [67.5, 72.5, 77.5, 82.5, 87.5]) await beatAt(second);
    states['f-1'] = 'HEALTHY';
    await beatAt(93);
    await beatAt(98);
    // f-2 fails: DOWN from 118 s to 138 s (20 s).
    states['f-2'] = 'STOPPED';
    for (const second of [103, 108, 113, 118, 123, 128, 133]) await beatAt(second);
    states['f-2'] = 'HEALTHY';
    await beatAt(138);
    // f-1 fails again: DOWN from 158 s, still down when the window closes at 180.25 s.
    states['f-1'] = 'STOPPED';
    for (const second of [143, 148, 153, 158, 163, 168, 173, 178]) await beatAt(second);
    until = at(180.25);
  });
  afterAll(() => server.stop());

  it('lists no start-up as downtime and counts none of it as unknown time', async () => {
    const figures = await report(since);
    expect(figures.intervals.map((interval: any) => [interval.nodeName, interval.kind, interval.from, interval.to])).toEqual([
      ['f-1', 'UNPLANNED', at(82.5).toISOString(), at(93).toISOString()],
      ['f-2', 'UNPLANNED', at(118).toISOString(), at(138).toISOString()],
      ['f-1', 'UNPLANNED', at(158).toISOString(), until.toISOString()],
    ]);
    expect(figures.unknown).toBe('0s');
    for (const node of figures.nodes) expect(node.unknown, node.nodeName).toBe('0s');
    // Up time starts with the first heartbeat, 2.5 s after joining.
    expect(figures.nodes.find((node: any) => node.nodeName === 'figures-manager').up).toBe('2m58s');
  });

  it('rounds every duration to whole seconds, half a second up, the same in the CSV', async () => {
    const figures = await report(since);
    expect(figures.intervals.map((interval: any) => interval.duration)).toEqual(['11s', '20s', '22s']);
    const csvDurations = figures.csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line: string) => line.split(',')[5]);
    expect(csvDurations).toEqual(['11', '20', '22']);
    // f-2 was up 115.5 s + 42.25 s.
    expect(figures.nodes.find((node: any) => node.nodeName === 'f-2').up).toBe('2m38s');
  });

  it('takes MTTR over the incidents that ended, each from its start, and leaves out the one still open', async () => {
    const figures = await report(since);
    expect(figures.incidents).toBe(3);
    expect(figures.openIncidents).toBe(1);
    // (10.5 s + 20 s) / 2
    expect(figures.mttr).toBe('15s');
    const f1 = figures.nodes.find((node: any) => node.nodeName === 'f-1');
    expect(f1).toMatchObject({ incidents: 2, openIncidents: 1, mttr: '11s' });
    // A window that opens during f-1's first outage still counts all 10.5 s of it.
    expect((await report(at(85))).mttr).toBe('15s');
    // Per slice (60.08 s each): an incident counts towards the MTTR of the slice it ended in.
    expect(figures.buckets.map((bucket: any) => bucket.mttr)).toEqual([null, '11s', '20s']);
    expect(figures.buckets.map((bucket: any) => bucket.incidents)).toEqual([0, 2, 1]);
  });

  it('gives MTBF per node, and the report the mean over the nodes that failed', async () => {
    const figures = await report(since);
    const mtbf = Object.fromEntries(figures.nodes.map((node: any) => [node.nodeName, node.mtbf]));
    // f-1: up 80 s + 65 s over 2 failures; f-2: up 115.5 s + 42.25 s over 1; the manager never failed.
    expect(mtbf).toEqual({ 'figures-manager': null, 'f-1': '1m13s', 'f-2': '2m38s' });
    // (72.5 s + 157.75 s) / 2 = 115.125 s
    expect(figures.mtbf).toBe('1m55s');
  });
});
