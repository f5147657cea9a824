import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollManager, statusOf } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
import { ScriptedAgent } from '../helpers/scripted-agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const OPERATION = `query($id: ID!) {
  operation(id: $id) {
    id state stateReason
    progress { total pending inFlight succeeded failed cancelled }
    steps(first: 100) { nodes { batch nodeName state message canary } }
  }
}`;

const MAINTENANCE = `query($name: String!) {
  cluster(name: $name) { nodes(first: 100) { nodes { name maintenanceOperationId statusHistory(first: 2) { nodes { to cause operationId } } } } }
}`;

// One server for the file: each test works on clusters of its own, and every timing it checks is
// relative to the shared clock's present.
describe('the operations engine', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { operationsTick: '1h' } });
    await server.tick(30_000);
  });
  afterAll(() => server.stop());

  async function fleet(name: string, workers = 4) {
    const names = Array.from({ length: workers }, (_, index) => `${name}-${index + 1}`);
    const manager = await enrollManager(server, name, { workers: names });
    const agent = new ScriptedAgent(server, manager, names);
    await agent.beat();
    return agent;
  }

  const create = async (input: Record<string, unknown>, key?: string) =>
    ok<any>(await server.gql(CREATE_OPERATION, { input: { kind: 'ROLLING_RESTART', ...input }, key }, server.adminToken)).createOperation;
  const read = async (id: string) => ok<any>(await server.gql(OPERATION, { id }, server.adminToken)).operation;
  const engine = () => server.app.services.engine.tick();
  /** Moves the clock, sends the heartbeats of that moment, and lets the engine decide. */
  const after = async (agent: ScriptedAgent, ms: number) => {
    // Reports reach the engine asynchronously; let it take them in before time moves on.
    await engine();
    server.clock.advance(ms);
    await agent.beat();
    await engine();
  };

  it('restarts a cluster one node at a time, each gated on staying healthy for minHealthyTime', async () => {
    const agent = await fleet('roll');
    const operation = await create({ target: { clusters: ['roll'] }, strategy: { maxParallel: 1, minHealthyTime: '10s' } });
    expect(operation.__typename).toBe('Operation');
    await engine();
    for (let index = 0; index < 4; index += 1) {
      const [command] = (await agent.received(index + 1)).slice(index);
      expect(command.nodeName).toBe(`roll-${index + 1}`);
      const during = await statusOf(server, 'roll');
      expect(during[command.nodeName]).toBe('MAINTENANCE');
      expect(Object.values(during).filter((status) => status !== 'UP')).toHaveLength(1);
      const held = ok<any>(await server.gql(MAINTENANCE, { name: 'roll' }, server.adminToken)).cluster.nodes.nodes;
      expect(held.find((node: any) => node.name === command.nodeName).maintenanceOperationId).toBe(operation.id);
      expect(held.filter((node: any) => node.maintenanceOperationId)).toHaveLength(1);
      await agent.restart(command);
      await after(agent, 5_000);
      expect((await read(operation.id)).steps.nodes[index].state).toBe('RESTARTED');
      expect(agent.commands).toHaveLength(index + 1);
      await after(agent, 5_000);
      expect((await read(operation.id)).steps.nodes[index].state).toBe('RESTARTED');
      await after(agent, 5_000);
      expect((await read(operation.id)).steps.nodes[index].state).toBe('SUCCEEDED');
    }
    const done = await read(operation.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: { total: 4, succeeded: 4 } });
    const history = ok<any>(await server.gql(MAINTENANCE, { name: 'roll' }, server.adminToken)).cluster.nodes.nodes.find((node: any) => node.name === 'roll-1')
      .statusHistory.nodes;
    expect(history.slice(0, 2)).toEqual([
      { to: 'UP', cause: 'OPERATION_FINISHED', operationId: operation.id },
      { to: 'MAINTENANCE', cause: 'OPERATION_STARTED', operationId: operation.id },
    ]);
    expect(Object.values(await statusOf(server, 'roll')).every((status) => status === 'UP')).toBe(true);
  });

  it('counts a restarted node healthy from its restart report on, not from healthy batches before it', async () => {
    const agent = await fleet('quick', 2);
    const operation = await create({ target: { clusters: ['quick'] }, strategy: { maxParallel: 1, minHealthyTime: '10s' } });
    await engine();
    const [command] = await agent.received(1);
    // The restart was quicker than a heartbeat: every batch reports the node healthy throughout.
    await agent.report(command, 'RUNNING');
    await agent.beat();
    await after(agent, 5_000);
    await agent.report(command, 'SUCCEEDED', 'restarted');
    await after(agent, 0);
    expect((await read(operation.id)).steps.nodes[0].state).toBe('RESTARTED');
    await after(agent, 9_000);
    expect((await read(operation.id)).steps.nodes[0].state).toBe('RESTARTED');
    await after(agent, 1_000);
    expect((await read(operation.id)).steps.nodes[0].state).toBe('SUCCEEDED');
  });

  /** Runs every dispatched step to success, until the operation ends or nothing more happens. */
  async function runToEnd(agent: ScriptedAgent, id: string, outcome: (nodeName: string) => 'HEALTHY' | 'UNHEALTHY' = () => 'HEALTHY') {
    const handled = new Set<string>();
    for (let round = 0; round < 50; round += 1) {
      await engine();
      for (const command of agent.commands.filter((candidate) => !handled.has(candidate.id))) {
        handled.add(command.id);
        await agent.restart(command, outcome(command.nodeName));
      }
      await after(agent, 11_000);
      const operation = await read(id);
      if (['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'AWAITING_PROMOTION'].includes(operation.state)) return operation;
    }
    throw new Error('the operation did not end');
  }

  it('shares each cluster’s disruption budget between operations, and waits saying why', async () => {
    const agent = await fleet('shared');
    const first = await create({ target: { clusters: ['shared'] }, strategy: { maxParallel: 2, maxUnavailable: 1 } });
    const second = await create({ target: { tags: { tags: ['cluster:shared'] } }, strategy: { maxParallel: 4, maxUnavailable: 2 } });
    await engine();
    await agent.received(2);
    const statuses = Object.values(await statusOf(server, 'shared'));
    expect(statuses.filter((status) => status === 'MAINTENANCE')).toHaveLength(2);
    const one = await read(first.id);
    expect(one).toMatchObject({ state: 'RUNNING', progress: { inFlight: 1 } });
    expect(one.stateReason).toMatch(/shared is at its disruption budget \(1 of at most 1 unavailable|in maintenance for another operation/);
    const two = await read(second.id);
    expect(two.progress.inFlight).toBe(1);
    expect(two.stateReason).toMatch(/shared-1 is in maintenance for another operation|at its disruption budget \(2 of at most 2/);
    // Never the same node twice at once, and never more than the larger budget down.
    expect(new Set(agent.commands.map((command) => command.nodeName)).size).toBe(2);
  });

  const PLAN_BUDGETS = `query($input: OperationInput!) { planOperation(input: $input) { warnings budgets { clusterName ok unavailableNow maxUnavailable reason } batches { nodes { nodeName status } } } }`;
  const OPERATION_BUDGETS = `query($id: ID!) { operation(id: $id) { state stateReason budgets { clusterName ok unavailableNow maxUnavailable reason } } }`;
  const planOf = async (input: Record<string, unknown>) =>
    ok<any>(await server.gql(PLAN_BUDGETS, { input: { kind: 'ROLLING_RESTART', ...input } }, server.adminToken)).planOperation;
  const budgetsOf = async (id: string) => ok<any>(await server.gql(OPERATION_BUDGETS, { id }, server.adminToken)).operation;
  const nodeIds = async (cluster: string, names: string[]) => {
    const result = ok<any>(
      await server.gql(`query($name: String!) { cluster(name: $name) { nodes(first: 100) { nodes { id name } } } }`, { name: cluster }, server.adminToken),
    );
    return names.map((name) => result.cluster.nodes.nodes.find((node: any) => node.name === name).id as string);
  };
  /** Stops workers and lets batches report them stopped until the OC judges them DOWN. */
  async function kill(agent: ScriptedAgent, names: string[]) {
    for (const name of names) agent.states.set(name, 'STOPPED');
    for (let round = 0; round < 10; round += 1) {
      const statuses = await statusOf(server, agent.manager.clusterName);
      if (names.every((name) => statuses[name] === 'DOWN')) return;
      await after(agent, 5_000);
    }
    throw new Error(`${names.join(', ')} did not become DOWN`);
  }

  it('does not take a node down while its cluster is at its budget; planOperation, operation budgets and the engine give the same answer', async () => {
    const agent = await fleet('preflight', 3);
    agent.states.set('preflight-2', 'STOPPED');
    await agent.beat();
    // The target leaves the unavailable node out: nothing this operation may restart is down already.
    const input = { target: { nodes: await nodeIds('preflight', ['preflight-1', 'preflight-3']) }, strategy: { maxParallel: 2 } };
    const blocked = 'preflight is at its disruption budget (1 of at most 1 unavailable: preflight-2 SUSPECT)';
    const plan = await planOf(input);
    expect(plan.budgets).toEqual([{ clusterName: 'preflight', ok: false, unavailableNow: 1, maxUnavailable: 1, reason: blocked }]);
    expect(plan.warnings).toEqual([`preflight: ${blocked}`]);

    const operation = await create(input);
    await engine();
    const waiting = await budgetsOf(operation.id);
    expect(waiting.state).toBe('WAITING');
    expect(waiting.stateReason).toBe(blocked);
    expect(waiting.budgets).toEqual(plan.budgets);
    expect((await planOf(input)).budgets).toEqual(plan.budgets);
    expect(agent.commands).toHaveLength(0);
    await engine();
    expect(await budgetsOf(operation.id)).toEqual(waiting);

    // Recovered: all three say a step may start, and the engine starts one.
    agent.states.set('preflight-2', 'HEALTHY');
    await agent.beat();
    const clear = {
      clusterName: 'preflight',
      ok: true,
      unavailableNow: 0,
      maxUnavailable: 1,
      reason: '0 of 3 unavailable now, within the budget of 1 at once',
    };
    expect((await planOf(input)).budgets).toEqual([clear]);
    expect((await budgetsOf(operation.id)).budgets).toEqual([clear]);
    await engine();
    expect((await agent.received(1))[0].nodeName).toBe('preflight-1');

    // Its own step in flight fills the budget: the second node of the batch waits, and both say why.
    const running = await budgetsOf(operation.id);
    const full = 'preflight is at its disruption budget (1 of at most 1 unavailable: preflight-1 MAINTENANCE)';
    expect(running.stateReason).toBe(`batch 1: ${full}`);
    expect(running.budgets).toEqual([{ clusterName: 'preflight', ok: false, unavailableNow: 1, maxUnavailable: 1, reason: full }]);
    expect(agent.commands).toHaveLength(1);
  });

  it('heals a cluster with a DOWN worker under the default strategy: the DOWN worker first, then the others one at a time', async () => {
    const agent = await fleet('heal');
    await kill(agent, ['heal-2']);
    const input = { target: { clusters: ['heal'] } };
    const plan = await planOf(input);
    expect(plan.batches.map((batch: any) => batch.nodes.map((node: any) => `${node.nodeName} ${node.status}`))).toEqual([
      ['heal-2 DOWN'],
      ['heal-1 UP'],
      ['heal-3 UP'],
      ['heal-4 UP'],
    ]);
    const itself = 'heal-2 is DOWN itself: restarting it takes nothing more down (1 of at most 1 unavailable: heal-2 DOWN)';
    expect(plan.budgets).toEqual([{ clusterName: 'heal', ok: true, unavailableNow: 1, maxUnavailable: 1, reason: itself }]);

    const operation = await create(input);
    await engine();
    expect((await agent.received(1)).map((command) => command.nodeName)).toEqual(['heal-2']);
    expect((await budgetsOf(operation.id)).budgets[0]).toMatchObject({
      ok: false,
      unavailableNow: 1,
      reason: 'heal is at its disruption budget (1 of at most 1 unavailable: heal-2 MAINTENANCE)',
    });
    const done = await runToEnd(agent, operation.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: { succeeded: 4 } });
    expect(agent.commands.map((command) => command.nodeName)).toEqual(['heal-2', 'heal-1', 'heal-3', 'heal-4']);
    expect(Object.values(await statusOf(server, 'heal')).every((status) => status === 'UP')).toBe(true);
  });

  it('heals two DOWN workers with maxUnavailable 1, taking no UP worker down until both are back', async () => {
    const agent = await fleet('twice');
    await kill(agent, ['twice-2', 'twice-3']);
    const operation = await create({ target: { clusters: ['twice'] } });
    const handled = new Set<string>();
    for (let round = 0; round < 20 && !['SUCCEEDED', 'FAILED', 'TIMED_OUT'].includes((await read(operation.id)).state); round += 1) {
      await engine();
      for (const command of agent.commands.filter((candidate) => !handled.has(candidate.id))) {
        handled.add(command.id);
        const statuses = await statusOf(server, 'twice');
        const others = Object.entries(statuses).filter(([name, status]) => name !== command.nodeName && status !== 'UP');
        // An UP worker is taken down only when nothing else is unavailable (the budget of 1).
        if (['twice-1', 'twice-4'].includes(command.nodeName)) expect(others, command.nodeName).toEqual([]);
        await agent.restart(command);
      }
      await after(agent, 11_000);
    }
    expect(await read(operation.id)).toMatchObject({ state: 'SUCCEEDED', progress: { succeeded: 4 } });
    expect(agent.commands.map((command) => command.nodeName)).toEqual(['twice-2', 'twice-3', 'twice-1', 'twice-4']);
  });

  it('restarts a worker that went DOWN after the plan was made before the batch the budget holds back, and keeps the batches in step', async () => {
    const agent = await fleet('later');
    const operation = await create({ target: { clusters: ['later'] } });
    await engine();
    const [first] = await agent.received(1);
    expect(first.nodeName).toBe('later-1');
    // later-3 dies while later-1 is in flight; later-2, next in the plan, now waits for the budget.
    await kill(agent, ['later-3']);
    await agent.restart(first);
    await after(agent, 11_000);
    await after(agent, 11_000);
    expect((await agent.received(2)).map((command) => command.nodeName)).toEqual(['later-1', 'later-3']);
    const moved = (await read(operation.id)).steps.nodes.map((step: any) => `${step.batch} ${step.nodeName} ${step.state}`);
    expect(moved).toEqual(['1 later-1 SUCCEEDED', '2 later-3 DISPATCHED', '3 later-2 PENDING', '4 later-4 PENDING']);
    const done = await runToEnd(agent, operation.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: { succeeded: 4 } });
    expect(agent.commands.map((command) => command.nodeName)).toEqual(['later-1', 'later-3', 'later-2', 'later-4']);
  });

  it('does not move a DOWN worker ahead of the canaries: they wait for the budget, nothing else starts', async () => {
    const agent = await fleet('canarydown');
    const other = await create({ kind: 'RESTART', target: { nodes: await nodeIds('canarydown', ['canarydown-4']) } });
    await engine();
    const [held] = await agent.received(1);
    const operation = await create({ target: { clusters: ['canarydown'] }, strategy: { canary: 1 } });
    await engine();
    expect((await read(operation.id)).steps.nodes[0]).toMatchObject({ nodeName: 'canarydown-1', canary: true, state: 'PENDING' });
    // canarydown-3 dies after the plan was made; when the other operation is done, it alone fills the budget.
    await kill(agent, ['canarydown-3']);
    await agent.restart(held);
    await after(agent, 11_000);
    await after(agent, 11_000);
    expect((await read(other.id)).state).toBe('SUCCEEDED');
    const waiting = await budgetsOf(operation.id);
    expect(waiting.state).toBe('WAITING');
    expect(waiting.stateReason).toBe('canarydown is at its disruption budget (1 of at most 1 unavailable: canarydown-3 DOWN)');
    expect(waiting.budgets[0]).toMatchObject({ ok: false, reason: waiting.stateReason });
    expect(agent.commands.map((command) => command.nodeName)).toEqual(['canarydown-4']);
    agent.states.set('canarydown-3', 'HEALTHY');
    await after(agent, 1000);
    expect((await agent.received(2)).map((command) => command.nodeName)).toEqual(['canarydown-4', 'canarydown-1']);
  });

  it('tolerates failures up to maxFailures and aborts on the next one', async () => {
    const agent = await fleet('failing', 6);
    const failing = new Set(['failing-1', 'failing-2', 'failing-3']);
    const operation = await create({ target: { clusters: ['failing'] }, strategy: { maxFailures: 2, maxUnavailable: 3, healthyDeadline: '30s' } });
    const done = await runToEnd(agent, operation.id, (name) => (failing.has(name) ? 'UNHEALTHY' : 'HEALTHY'));
    expect(done.state).toBe('FAILED');
    expect(done.stateReason).toMatch(/3 failed steps, more than maxFailures \(2\)/);
    expect(done.progress).toMatchObject({ failed: 3, succeeded: 0, cancelled: 3 });
    expect(agent.commands.map((command) => command.nodeName)).toEqual(['failing-1', 'failing-2', 'failing-3']);
  });

  it('with maxFailures 2, two failures still let the operation finish', async () => {
    const agent = await fleet('tolerant', 4);
    const operation = await create({ target: { clusters: ['tolerant'] }, strategy: { maxFailures: 2, maxUnavailable: 3 } });
    const done = await runToEnd(agent, operation.id, (name) => (name === 'tolerant-1' || name === 'tolerant-3' ? 'UNHEALTHY' : 'HEALTHY'));
    expect(done.state).toBe('SUCCEEDED');
    expect(done.stateReason).toMatch(/2 failures tolerated/);
  });

  it('stops after a failed canary without touching another node; healthy canaries wait for promotion', async () => {
    const agent = await fleet('canary');
    const failed = await create({ target: { clusters: ['canary'] }, strategy: { canary: 1 } });
    const done = await runToEnd(agent, failed.id, () => 'UNHEALTHY');
    expect(done.state).toBe('FAILED');
    expect(done.stateReason).toMatch(/canary canary-1 failed; no other node was touched/);
    expect(agent.commands).toHaveLength(1);

    agent.states.set('canary-1', 'HEALTHY');
    await after(agent, 1000);
    const promoted = await create({ target: { clusters: ['canary'] }, strategy: { canary: 1, maxParallel: 3, maxUnavailable: 3 } });
    const waiting = await runToEnd(agent, promoted.id);
    expect(waiting.state).toBe('AWAITING_PROMOTION');
    expect(agent.commands).toHaveLength(2);
    const result = ok<any>(
      await server.gql(`mutation($id: ID!) { promoteOperation(id: $id) { ... on Operation { state } } }`, { id: promoted.id }, server.adminToken),
    );
    expect(result.promoteOperation.state).toBe('RUNNING');
    expect((await runToEnd(agent, promoted.id)).state).toBe('SUCCEEDED');
    expect(agent.commands).toHaveLength(5);
  });

  it('cancels: the step in flight finishes safely, no new one starts', async () => {
    const agent = await fleet('cancel');
    const operation = await create({ target: { clusters: ['cancel'] } });
    await engine();
    const [command] = await agent.received(1);
    const cancelled = ok<any>(
      await server.gql(`mutation($id: ID!) { cancelOperation(id: $id) { ... on Operation { state stateReason } } }`, { id: operation.id }, server.adminToken),
    );
    expect(cancelled.cancelOperation.stateReason).toMatch(/cancelled by admin/);
    await engine();
    expect((await read(operation.id)).state).toBe('RUNNING');
    await agent.restart(command);
    await after(agent, 1000);
    await after(agent, 11_000);
    const done = await read(operation.id);
    expect(done).toMatchObject({ state: 'CANCELLED', progress: { succeeded: 1, cancelled: 3 } });
    expect(agent.commands).toHaveLength(1);
    const again = ok<any>(
      await server.gql(`mutation($id: ID!) { cancelOperation(id: $id) { __typename ... on Error { code } } }`, { id: operation.id }, server.adminToken),
    );
    expect(again.cancelOperation).toEqual({ __typename: 'ConflictError', code: 'INVALID_STATE' });
  });

  it('fails a step whose node is not healthy within healthyDeadline, and times out without progress', async () => {
    const agent = await fleet('slow');
    const operation = await create({ target: { clusters: ['slow'] }, strategy: { healthyDeadline: '20s', progressDeadline: '40s', maxFailures: 5 } });
    await engine();
    const [command] = await agent.received(1);
    await agent.report(command, 'RUNNING');
    for (let second = 0; second < 25; second += 5) await after(agent, 5000);
    const step = (await read(operation.id)).steps.nodes[0];
    expect(step).toMatchObject({ state: 'TIMED_OUT', message: expect.stringMatching(/healthyDeadline/) });
    for (let second = 0; second < 45; second += 5) await after(agent, 5000);
    const done = await read(operation.id);
    expect(done.state).toBe('TIMED_OUT');
    expect(done.stateReason).toMatch(/progressDeadline/);
  });

  it('counts an unreachable manager as a failure and starts nothing in its cluster', async () => {
    const agent = await fleet('lost');
    const operation = await create({ target: { clusters: ['lost'] }, strategy: { maxFailures: 3 } });
    await engine();
    await agent.received(1);
    for (let second = 0; second < 20; second += 5) {
      server.clock.advance(5000);
      await server.app.services.liveness.sweep();
      await engine();
    }
    const read1 = await read(operation.id);
    expect(read1.steps.nodes[0]).toMatchObject({ state: 'FAILED', message: expect.stringMatching(/manager of lost is unreachable/) });
    expect(read1.state).toBe('WAITING');
    expect(read1.stateReason).toMatch(/manager of lost is unreachable/);
    expect(agent.commands).toHaveLength(1);
  });

  it('refuses a percentage that rounds to no node, and bad strategies, with clear errors', async () => {
    await fleet('tiny', 3);
    const rounded = await create({ target: { clusters: ['tiny'] }, strategy: { maxUnavailablePercent: 25 } });
    expect(rounded).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT' });
    expect(rounded.message).toMatch(/25% rounds down to 0 nodes for tiny \(3 nodes\)/);
    for (const [strategy, message] of [
      [{ maxParallel: 0 }, /maxParallel must be a whole number from 1/],
      [{ maxUnavailable: -1 }, /maxUnavailable must be a whole number from 1/],
      [{ maxUnavailable: 1, maxUnavailablePercent: 50 }, /not both/],
      [{ minHealthyTime: '10m', healthyDeadline: '5m' }, /healthyDeadline must be longer than minHealthyTime/],
      [{ canary: 9 }, /only 3 node/],
    ] as const) {
      const result = await create({ target: { clusters: ['tiny'] }, strategy });
      expect(result.message, JSON.stringify(strategy)).toMatch(message);
    }
    const badDuration = await server.gql(
      CREATE_OPERATION,
      { input: { kind: 'ROLLING_RESTART', target: { all: true }, strategy: { minHealthyTime: 'soon' } } },
      server.adminToken,
    );
    expect(badDuration.errors?.[0].message).toMatch(/A Duration is written like/);
    const explicit = await create({ kind: 'RESTART', target: { clusters: ['tiny'] } });
    expect(explicit).toMatchObject({ code: 'INVALID_TARGET' });
    const ok100 = await create({ target: { clusters: ['tiny'] }, strategy: { maxUnavailablePercent: 100, maxParallel: 3 } });
    expect(ok100.__typename).toBe('Operation');
  });

  it('returns the same operation for the same idempotency key and input, and refuses a different input', async () => {
    const agent = await fleet('idem', 2);
    const first = await create({ target: { clusters: ['idem'] } }, 'key-1');
    const again = await create({ target: { clusters: ['idem'] } }, 'key-1');
    expect(again.id).toBe(first.id);
    const different = await create({ target: { clusters: ['idem'] }, strategy: { maxParallel: 2 } }, 'key-1');
    expect(different).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED' });
    const listed = ok<any>(
      await server.gql(
        'query($c: [ID!]) { operations(first: 10, filter: { clusters: $c }) { totalCount } }',
        { c: [agent.manager.clusterId] },
        server.adminToken,
      ),
    );
    expect(listed.operations.totalCount).toBe(1);
  });

  it('sends a step again under the current epoch when the agent refuses a stale one', async () => {
    const agent = await fleet('epoch', 2);
    const operation = await create({ target: { clusters: ['epoch'] } });
    await engine();
    const [stale] = await agent.received(1);
    await agent.report(stale, 'REJECTED', 'stale epoch 1; epoch 2 was already seen for this operation', 'STALE_EPOCH');
    const [, fresh] = await agent.received(2);
    expect(fresh.nodeName).toBe(stale.nodeName);
    expect(fresh.id).not.toBe(stale.id);
    await agent.restart(fresh);
    expect((await runToEnd(agent, operation.id)).state).toBe('SUCCEEDED');
  });

  it('pauses and resumes', async () => {
    const agent = await fleet('pausing', 3);
    const operation = await create({ target: { clusters: ['pausing'] } });
    await engine();
    const [first] = await agent.received(1);
    await server.gql(`mutation($id: ID!) { pauseOperation(id: $id) { __typename } }`, { id: operation.id }, server.adminToken);
    await agent.restart(first);
    await after(agent, 1000);
    await after(agent, 11_000);
    expect((await read(operation.id)).state).toBe('PAUSED');
    expect(agent.commands).toHaveLength(1);
    await server.gql(`mutation($id: ID!) { resumeOperation(id: $id) { __typename } }`, { id: operation.id }, server.adminToken);
    expect((await runToEnd(agent, operation.id)).state).toBe('SUCCEEDED');
  });
});
