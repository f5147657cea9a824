import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvariantChecker } from '../helpers/invariants.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';

/** Rolling restarts of real worker processes by a real agent, watched by the invariant checker. */
describe('operations with real agents and workers', () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let checker: InvariantChecker;

  beforeAll(async () => {
    oc = await LiveOc.start();
    await oc.createCluster('web');
    agent = await LiveAgent.create(oc, {
      cluster: 'web',
      workers: 4,
      enrollmentToken: await oc.enrollmentToken('web'),
      workerArgs: () => ['--start-delay', '300ms'],
    });
    agent.start();
    await oc.eventually(
      () => oc.statuses('web'),
      (statuses) => Object.keys(statuses).length === 5 && Object.values(statuses).every((node) => node.status === 'UP'),
    );
  });
  afterEach(async () => {
    await checker?.stop();
    for (let index = 0; index < 4; index += 1) fs.rmSync(agent.failFile(agent.workerName(index)), { force: true });
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
  });

  async function run(strategy: Record<string, unknown>, budget = 1) {
    checker = new InvariantChecker(oc, [agent], { web: budget });
    checker.start();
    const before = checker.restarts();
    const created = await oc.query(CREATE_OPERATION, { input: { kind: 'ROLLING_RESTART', target: { clusters: ['web'] }, strategy } });
    const id = created.createOperation.id as string;
    expect(id, JSON.stringify(created)).toBeTruthy();
    return { id, before };
  }

  async function settle(id: string) {
    const done = await Promise.race([
      oc.eventually(
        () => oc.query(`query($id: ID!) { operation(id: $id) { state stateReason progress { succeeded failed cancelled } } }`, { id }),
        (value) => ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(value.operation.state),
        60_000,
      ),
      checker.failed,
    ]);
    return done.operation;
  }

  it('restarts each worker exactly once, one at a time, gated on health', async () => {
    const pids = Object.fromEntries([0, 1, 2, 3].map((index) => [agent.workerName(index), agent.pid(agent.workerName(index))]));
    const { id, before } = await run({ maxParallel: 1, minHealthyTime: '1s' });
    const operation = await settle(id);
    expect(operation).toMatchObject({ state: 'SUCCEEDED', progress: { succeeded: 4 } });
    await checker.stop();
    await checker.checkOperation(id, before);
    expect(checker.violations).toEqual([]);
    for (const [name, pid] of Object.entries(pids)) expect(agent.pid(name), name).not.toBe(pid);
    expect(Object.values(checker.restarts()).every((count) => count === 1)).toBe(true);
  });

  it('stops at a worker that never becomes healthy again: it fails, no further batch starts', async () => {
    fs.writeFileSync(agent.failFile('web-2'), '');
    const pids = Object.fromEntries([0, 1, 2, 3].map((index) => [agent.workerName(index), agent.pid(agent.workerName(index))]));
    const { id, before } = await run({ maxParallel: 1, minHealthyTime: '500ms', healthyDeadline: '4s' });
    const operation = await settle(id);
    expect(operation.state).toBe('FAILED');
    expect(operation.progress).toMatchObject({ succeeded: 1, failed: 1, cancelled: 2 });
    await checker.stop();
    await checker.checkOperation(id, before);
    expect(checker.violations).toEqual([]);
    expect(agent.pid('web-3')).toBe(pids['web-3']);
    expect(agent.pid('web-4')).toBe(pids['web-4']);
    // Bring web-2 back for the next tests (a restart without the failure file).
    fs.rmSync(agent.failFile('web-2'));
    const repair = await oc.query(CREATE_OPERATION, {
      input: { kind: 'RESTART', target: { nodes: [(await oc.statuses('web'))['web-2'].id] }, strategy: { minHealthyTime: '500ms' } },
    });
    expect(await settle(repair.createOperation.id)).toMatchObject({ state: 'SUCCEEDED' });
  });

  it('cancels mid-way: the step in flight finishes, no new one starts', async () => {
    const { id, before } = await run({ maxParallel: 1, minHealthyTime: '2s' });
    await oc.eventually(
      () => oc.query(`query($id: ID!) { operation(id: $id) { progress { inFlight } } }`, { id }),
      (value) => value.operation.progress.inFlight === 1,
    );
    await oc.query(`mutation($id: ID!) { cancelOperation(id: $id) { __typename } }`, { id });
    const operation = await settle(id);
    expect(operation).toMatchObject({ state: 'CANCELLED', progress: { succeeded: 1, cancelled: 3 } });
    await checker.stop();
    await checker.checkOperation(id, before);
    expect(checker.violations).toEqual([]);
    expect(Object.values(checker.restarts()).reduce((sum, count) => sum + count, 0)).toBe(1);
  });

  it('touches no other worker when the canary fails', async () => {
    fs.writeFileSync(agent.failFile('web-1'), '');
    const pids = Object.fromEntries([1, 2, 3].map((index) => [agent.workerName(index), agent.pid(agent.workerName(index))]));
    const { id, before } = await run({ canary: 1, maxParallel: 3, maxUnavailable: 3, minHealthyTime: '500ms', healthyDeadline: '4s' }, 3);
    const operation = await settle(id);
    expect(operation.state).toBe('FAILED');
    expect(operation.stateReason).toMatch(/canary web-1 failed/);
    await checker.stop();
    await checker.checkOperation(id, before);
    expect(checker.violations).toEqual([]);
    for (const [name, pid] of Object.entries(pids)) expect(agent.pid(name), name).toBe(pid);
  });
});
