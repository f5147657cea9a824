import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/src/clock.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

const CREATE = `mutation($input: ScheduleInput!) {
  createSchedule(input: $input) {
    __typename
    ... on Schedule { id name nextRuns(count: 3) }
    ... on Error { code message }
  }
}`;
const RUNS = `query($id: ID!) { schedule(id: $id) { runs(first: 50) { nodes { scheduledFor state operationId message } } } }`;

// A server per test: each starts at the same instant of the OC's clock (23:50 in London) and moves it
// across midnight, which a shared clock could do only once.
describe('schedules', () => {
  let server: TestServer;

  beforeEach(async () => {
    // 23:50 in London (winter time: UTC+0), ten minutes before a midnight run.
    server = await startTestServer({ clock: new ManualClock('2026-01-14T23:50:00Z'), config: { scheduleTick: '1h', operationsTick: '1h' } });
    await enrollManager(server, 'nightly', { workers: ['n-1', 'n-2'] });
  });
  afterEach(() => server.stop());

  const create = async (input: Record<string, unknown>) =>
    ok<any>(
      await server.gql(
        CREATE,
        {
          input: {
            name: 'midnight',
            cron: '0 0 * * *',
            timezone: 'Europe/London',
            operation: { kind: 'ROLLING_RESTART', target: { clusters: ['nightly'] } },
            ...input,
          },
        },
        server.adminToken,
      ),
    ).createSchedule;
  const runs = async (id: string) => ok<any>(await server.gql(RUNS, { id }, server.adminToken)).schedule.runs.nodes;
  const scheduler = () => server.app.services.scheduler.tick();

  it('shows the next runs, and refuses bad expressions and zones with clear errors', async () => {
    const preview = ok<any>(await server.gql(`{ previewSchedule(cron: "0 0 * * *", timezone: "Europe/London", count: 2) }`, {}, server.adminToken));
    expect(preview.previewSchedule).toEqual(['2026-01-15T00:00:00.000Z', '2026-01-16T00:00:00.000Z']);
    const summer = ok<any>(await server.gql(`{ previewSchedule(cron: "0 0 * * *", timezone: "America/New_York", count: 1) }`, {}, server.adminToken));
    expect(summer.previewSchedule).toEqual(['2026-01-15T05:00:00.000Z']);
    for (const [input, message] of [
      [{ cron: 'every night' }, /not a valid cron expression|uses digits/],
      [{ cron: '61 0 * * *' }, /not a valid cron expression/],
      [{ cron: '* * * * * *' }, /at least a minute apart/],
      [{ timezone: 'Mars/Olympus' }, /not an IANA time zone/],
      [{ timezone: '../../etc/localtime' }, /not an IANA time zone/],
      [{ operation: { kind: 'ROLLING_RESTART', target: { clusters: ['nope'] } } }, /No cluster named/],
    ] as const) {
      const result = await create(input);
      expect(result.message, JSON.stringify(input)).toMatch(message);
    }
    const created = await create({});
    expect(created.nextRuns).toEqual(['2026-01-15T00:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-17T00:00:00.000Z']);
  });

  it('starts each scheduled time exactly once, however often the scheduler looks', async () => {
    const schedule = await create({});
    server.clock.advance(11 * 60_000);
    await Promise.all([scheduler(), scheduler(), scheduler()]);
    await scheduler();
    const [run] = await runs(schedule.id);
    expect(await runs(schedule.id)).toHaveLength(1);
    expect(run).toMatchObject({ scheduledFor: '2026-01-15T00:00:00.000Z', state: 'STARTED' });
    const operation = ok<any>(
      await server.gql(`query($id: ID!) { operation(id: $id) { requestedBy scheduledFor kind } }`, { id: run.operationId }, server.adminToken),
    );
    expect(operation.operation).toEqual({ requestedBy: 'schedule:midnight', scheduledFor: '2026-01-15T00:00:00.000Z', kind: 'ROLLING_RESTART' });
    const audit = ok<any>(await server.gql(`{ auditLog(first: 5, filter: { action: "schedule.run" }) { nodes { actorName args } } }`, {}, server.adminToken));
    expect(audit.auditLog.nodes[0]).toMatchObject({ actorName: 'schedule:midnight', args: { state: 'STARTED' } });
  });

  it('starts a run missed during an OC outage late if within its starting deadline, else records it MISSED', async () => {
    const late = await create({ name: 'late-ok', startingDeadline: '15m' });
    const missed = await create({ name: 'too-late', startingDeadline: '5m' });
    // The OC is down from 23:58 to 00:10.
    server.clock.advance(8 * 60_000);
    await server.restart();
    server.clock.advance(12 * 60_000);
    await scheduler();
    expect((await runs(late.id)).map((run: any) => run.state)).toEqual(['STARTED']);
    const [record] = await runs(missed.id);
    expect(record).toMatchObject({ state: 'MISSED', operationId: null, message: expect.stringMatching(/missed by 600 s/) });
  });

  it('skips or queues a run while its previous operation is still running', async () => {
    const skip = await create({ name: 'skipper', cron: '*/30 * * * *', overlapPolicy: 'SKIP' });
    server.clock.advance(10 * 60_000 + 1);
    await scheduler();
    server.clock.advance(30 * 60_000);
    await scheduler();
    expect((await runs(skip.id)).map((run: any) => run.state)).toEqual(['SKIPPED', 'STARTED']);

    const queue = await create({
      name: 'queuer',
      cron: '15 * * * *',
      overlapPolicy: 'QUEUE',
      operation: { kind: 'RESTART', target: { nodes: [await nodeId('n-2')] } },
    });
    server.clock.advance(50 * 60_000);
    await scheduler();
    server.clock.advance(60 * 60_000);
    await scheduler();
    const [queued, started] = await runs(queue.id);
    expect([queued.state, started.state]).toEqual(['QUEUED', 'STARTED']);
    // When the running operation ends, the queued run starts.
    await server.gql(`mutation($id: ID!) { cancelOperation(id: $id) { __typename } }`, { id: started.operationId }, server.adminToken);
    await server.app.services.engine.tick();
    const [now] = await eventually(async () => {
      const current = await runs(queue.id);
      expect(current[0]).toMatchObject({ scheduledFor: queued.scheduledFor, state: 'STARTED' });
      return current;
    });
    expect(now.operationId).not.toBe(started.operationId);
  });

  async function nodeId(name: string): Promise<string> {
    const nodes = ok<any>(await server.gql(`{ nodes(first: 10, target: { clusters: ["nightly"] }) { nodes { id name } } }`, {}, server.adminToken)).nodes.nodes;
    return nodes.find((node: any) => node.name === name).id;
  }
});

describe('schedules across daylight saving time', () => {
  it('runs a fixed-time job once when the time occurs twice, and after the gap when it does not occur', async () => {
    const server = await startTestServer({
      clock: new ManualClock('2026-03-28T12:00:00Z'),
      config: { scheduleTick: '1h', operationsTick: '1h' },
      database: await createTestDatabase(),
    });
    try {
      const gap = ok<any>(await server.gql(`{ previewSchedule(cron: "30 1 * * *", timezone: "Europe/London", count: 2) }`, {}, server.adminToken));
      // 29 March 2026: 01:30 does not exist in London (01:00 GMT becomes 02:00 BST); it runs at 02:00 BST instead.
      expect(gap.previewSchedule).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
      server.clock.advance(210 * 86_400_000);
      const login = ok<any>(await server.gql(`mutation { login(username: "admin", password: "admin-password-for-tests") { ... on Session { token } } }`));
      const overlap = ok<any>(await server.gql(`{ previewSchedule(cron: "30 1 * * *", timezone: "Europe/London", count: 2) }`, {}, login.login.token));
      // 25 October 2026: 01:30 happens twice in London; it runs once, at the first (BST, 00:30 UTC).
      expect(overlap.previewSchedule).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    } finally {
      await server.stop();
    }
  });
});
