import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandNemesis } from '../helpers/command-nemesis.ts';
import { InvariantChecker } from '../helpers/invariants.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';

const WORKERS = ['web-1', 'web-2', 'web-3', 'web-4'];
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/**
 * reliability.md F2: every command delivered 2–3 times, out of order, old ones again later, and
 * across an OC restart; the effects must still be exactly once per step.
 */
describe('command delivery that duplicates and reorders', () => {
  let oc: LiveOc;
  let nemesis: CommandNemesis;
  let agent: LiveAgent;
  let checker: InvariantChecker | undefined;

  beforeAll(async () => {
    oc = await LiveOc.start({ OPSCENTER_WARMUP: '10s' });
    nemesis = await CommandNemesis.start(oc.url, 7);
    await oc.createCluster('web');
    agent = await LiveAgent.create(oc, {
      cluster: 'web',
      workers: WORKERS.length,
      enrollmentToken: await oc.enrollmentToken('web'),
      ocUrl: nemesis.url,
      workerArgs: () => ['--start-delay', '200ms'],
    });
    agent.start();
    await allUp();
  });
  afterEach(async () => {
    await checker?.stop();
  });
  afterAll(async () => {
    agent?.dispose();
    await nemesis?.stop();
    await oc?.dispose();
  });

  function allUp() {
    return oc.eventually(
      () => oc.statuses('web'),
      (statuses) => Object.keys(statuses).length === WORKERS.length + 1 && Object.values(statuses).every((node) => node.status === 'UP'),
      60_000,
    );
  }

  async function rollingRestart(): Promise<string> {
    const created = await oc.query(CREATE_OPERATION, {
      input: { kind: 'ROLLING_RESTART', target: { clusters: ['web'] }, strategy: { maxParallel: 2, maxUnavailable: 2, minHealthyTime: '500ms' } },
    });
    expect(created.createOperation.id, JSON.stringify(created)).toBeTruthy();
    return created.createOperation.id;
  }

  function readOperation(id: string) {
    return oc.query(
      `query($id: ID!) { operation(id: $id) { state stateReason progress { succeeded failed } steps(first: 10) { nodes { nodeName state message } } } }`,
      { id },
    );
  }

  async function runOnce(duringRun: (id: string) => Promise<void> = async () => {}) {
    checker = new InvariantChecker(oc, [agent], { web: 2 });
    checker.start();
    const before = checker.restarts();
    const id = await rollingRestart();
    await duringRun(id);
    const done = await Promise.race([
      oc.eventually(
        () => readOperation(id),
        (value) => TERMINAL.includes(value.operation.state),
        90_000,
      ),
      checker.failed,
    ]);
    expect(done.operation.state, JSON.stringify(done.operation)).toBe('SUCCEEDED');
    await checker.stop();
    await checker.checkOperation(id, before);
    expect(checker.violations).toEqual([]);
    const after = checker.restarts();
    for (const name of WORKERS) expect(after[name] - (before[name] ?? 0), name).toBe(1);
    await allUp();
  }

  it('restarts each worker exactly once though every command arrives several times and out of order', async () => {
    await runOnce();
    expect(nemesis.duplicates).toBeGreaterThanOrEqual(WORKERS.length);
    expect(nemesis.replaysOfOld).toBeGreaterThan(0);
  }, 180_000);

  it('still restarts each worker once when the OC restarts in the middle and old commands arrive after new ones', async () => {
    const replaysBefore = nemesis.replaysOfOld;
    await runOnce(async (id) => {
      await oc.eventually(
        () => readOperation(id),
        (value) => value.operation.steps.nodes.some((step: { state: string }) => step.state === 'SUCCEEDED'),
        60_000,
      );
      await oc.stop('SIGKILL');
      await oc.restart();
    });
    expect(nemesis.replaysOfOld).toBeGreaterThan(replaysBefore);
    expect(nemesis.reorders).toBeGreaterThan(0);
  }, 180_000);
});
