import { describe, expect, it } from 'vitest';
import type { CommandReport } from '../../api/src/modules/commands/commands.service.ts';
import { decide, decideReport } from '../../api/src/modules/operations/operations.decide.ts';
import type { StepRow } from '../../api/src/modules/operations/operations.table.ts';
import { progressOf, type Scenario, summary } from '../helpers/decide-scenario.ts';

function run(scenarios: Scenario[]): void {
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const { progress, conditions } = progressOf(scenario);
      expect(decide(progress, conditions, scenario.now ?? 1000).map(summary)).toEqual(scenario.expected);
    });
  }
}

const atBudget = (list: string, count = 1, max = 1) => `a is at its disruption budget (${count} of at most ${max} unavailable: ${list})`;

describe('decide: I1 availability floor and the budget', () => {
  run([
    {
      name: 'an all-UP cluster takes one node down at a time with maxUnavailable 1, even with maxParallel 3',
      nodes: 'w1:UP w2:UP w3:UP',
      steps: 'w1@0 w2@0 w3@0',
      strategy: { maxParallel: 3 },
      expected: ['dispatch w1', `RUNNING: batch 1: ${atBudget('w1 MAINTENANCE')}`],
    },
    {
      name: 'maxUnavailable 2 lets two steps of a batch start together',
      nodes: 'w1:UP w2:UP w3:UP',
      steps: 'w1@0 w2@0 w3@0',
      strategy: { maxParallel: 3, maxUnavailable: { count: 2 } },
      expected: ['dispatch w1', 'dispatch w2', `RUNNING: batch 1: ${atBudget('w1 MAINTENANCE, w2 MAINTENANCE', 2, 2)}`],
    },
    {
      name: 'budgets are per cluster: one node of each cluster goes at once',
      nodes: 'w1:UP w2:UP b/w3:UP b/w4:UP',
      steps: 'w1@0 w3@0 w2@1 w4@1',
      strategy: { maxParallel: 2 },
      expected: ['dispatch w1', 'dispatch w3', 'RUNNING: batch 1 in progress'],
    },
    {
      name: 'a node that is SUSPECT for its own reasons counts against the budget',
      nodes: 'w1:UP w2:UP w3:SUSPECT',
      steps: 'w1@0 w2@1',
      expected: [`WAITING: ${atBudget('w3 SUSPECT')}`],
    },
    {
      name: 'a DOWN node in a later batch takes the place of a step the budget holds back',
      nodes: 'w1:UP w2:UP w3:DOWN',
      steps: 'w1@0 w2@1 w3@2',
      expected: ['dispatch w3 in place of w1', 'RUNNING: batch 1 in progress'],
    },
    {
      name: 'nothing joins the canary batch, not even a failed node',
      nodes: 'w1:UP w2:UP w3:DOWN',
      steps: 'w1@0* w2@1 w3@2',
      strategy: { canary: 1 },
      expected: [`WAITING: ${atBudget('w3 DOWN')}`],
    },
    {
      name: 'a node that is DOWN itself takes no budget',
      nodes: 'w1:DOWN w2:DOWN w3:UP',
      steps: 'w1@0 w2@0 w3@1',
      strategy: { maxParallel: 2 },
      expected: ['dispatch w1', 'dispatch w2', 'RUNNING: batch 1 in progress'],
    },
    {
      name: 'an UNKNOWN node is not restarted until the OC knows its state',
      nodes: 'w1:UNKNOWN w2:UP',
      steps: 'w1@0 w2@1',
      strategy: { maxUnavailable: { count: 3 } },
      expected: ['WAITING: w1 is UNKNOWN: it is not restarted until the OC knows its state'],
    },
    {
      name: 'nothing is sent to a cluster whose manager is unreachable',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0 w2@1',
      unreachable: ['a'],
      expected: ['WAITING: the manager of a is unreachable'],
    },
    {
      name: 'a SUSPECT manager counts once the operation restarts managers, and is restarted first',
      nodes: 'w1:UP w2:UP m:SUSPECT',
      steps: 'w1@0 w2@1 m@2',
      strategy: { includeManagers: true },
      expected: ['dispatch m in place of w1', 'RUNNING: batch 1 in progress'],
    },
    {
      name: 'a SUSPECT manager does not count while the operation restarts workers only',
      nodes: 'w1:UP w2:UP m:SUSPECT',
      steps: 'w1@0 w2@1',
      expected: ['dispatch w1', 'RUNNING: batch 1 in progress'],
    },
  ]);
});

describe('decide: I2 one budget shared with every other operation', () => {
  run([
    {
      name: 'a node in maintenance for another operation uses up the budget',
      nodes: 'w1:UP w2:UP w3:MAINTENANCE',
      steps: 'w1@0 w2@1',
      expected: [`WAITING: ${atBudget('w3 MAINTENANCE')}`],
    },
    {
      name: 'a step whose own node is in maintenance for another operation waits for it',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0 w2@1',
      strategy: { maxUnavailable: { count: 3 } },
      expected: ['WAITING: w1 is in maintenance for another operation'],
    },
  ]);
});

describe('decide: I3 at most once per node', () => {
  run([
    {
      name: 'a step in flight is not sent again; only the pending one goes',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0:DISPATCHED w2@0',
      strategy: { maxParallel: 2, maxUnavailable: { count: 2 } },
      expected: ['dispatch w2', 'RUNNING: batch 1 in progress'],
    },
    {
      name: 'finished steps are not sent again',
      nodes: 'w1:UP w2:UP w3:UP',
      steps: 'w1@0:SUCCEEDED w2@0:FAILED w3@0',
      strategy: { maxParallel: 3, maxFailures: 1 },
      expected: ['dispatch w3', 'RUNNING: batch 1 in progress'],
    },
  ]);
});

describe('decide: I4 health gate', () => {
  run([
    {
      name: 'a restarted node is not done before minHealthyTime of its own heartbeats',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0:RESTARTED w2@1',
      health: { w1: [0, 9_000] },
      now: 9_999,
      expected: ['RUNNING: batch 1 in progress'],
    },
    {
      name: 'a restarted node is done once it has stayed healthy for minHealthyTime',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0:RESTARTED w2@1',
      health: { w1: [0, 9_000] },
      now: 10_000,
      expected: ['judge w1 SUCCEEDED: healthy for 10 s after its restart'],
    },
    {
      name: 'heartbeats received before the restart was reported do not count',
      nodes: 'w1:MAINTENANCE',
      steps: 'w1@0:RESTARTED',
      health: { w1: [0, 5_000] },
      restarted: { w1: 6_000 },
      now: 60_000,
      expected: ['RUNNING: batch 1 in progress'],
    },
    {
      name: 'the healthy run is measured from the restart report at the earliest',
      nodes: 'w1:MAINTENANCE',
      steps: 'w1@0:RESTARTED',
      health: { w1: [0, 14_000] },
      restarted: { w1: 5_000 },
      now: 14_999,
      expected: ['RUNNING: batch 1 in progress'],
    },
    {
      name: 'a healthy node whose restart is not yet reported is not done',
      nodes: 'w1:MAINTENANCE',
      steps: 'w1@0:DISPATCHED',
      health: { w1: [0, 50_000] },
      now: 60_000,
      expected: ['RUNNING: batch 1 in progress'],
    },
    {
      name: 'the next batch waits while the one before is in flight',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0:RESTARTED w2@1',
      strategy: { maxUnavailable: { count: 2 } },
      expected: ['RUNNING: batch 1 in progress'],
    },
    {
      name: 'the next batch starts once the one before is done',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:SUCCEEDED w2@1',
      expected: ['batch 0 finished at 1000', 'dispatch w2', 'RUNNING: batch 2 in progress'],
    },
    {
      name: 'pauseBetweenBatches holds the next batch, counted from the end of the one before',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:SUCCEEDED w2@1',
      strategy: { pauseBetweenBatchesMs: 30_000 },
      expected: ['batch 0 finished at 1000', 'WAITING: pausing 30 s before batch 2'],
    },
    {
      name: 'after pauseBetweenBatches the next batch starts',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:SUCCEEDED w2@1',
      strategy: { pauseBetweenBatchesMs: 30_000 },
      batchFinished: { 0: 1000 },
      now: 31_000,
      expected: ['dispatch w2', 'RUNNING: batch 2 in progress'],
    },
    {
      name: 'healthy canaries wait for promotion',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0*:SUCCEEDED w2@1',
      strategy: { canary: 1 },
      expected: ['batch 0 finished at 1000', 'AWAITING_PROMOTION: the canaries are healthy; promote the operation to continue'],
    },
    {
      name: 'a promoted operation goes on after its canaries',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0*:SUCCEEDED w2@1',
      strategy: { canary: 1 },
      row: { promoted: true },
      batchFinished: { 0: 1000 },
      expected: ['dispatch w2', 'RUNNING: batch 2 in progress'],
    },
    {
      name: 'autoPromote goes on without a person',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0*:SUCCEEDED w2@1',
      strategy: { canary: 1, autoPromote: true },
      batchFinished: { 0: 1000 },
      expected: ['dispatch w2', 'RUNNING: batch 2 in progress'],
    },
    {
      name: 'a paused operation starts nothing but still judges its steps in flight',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0:RESTARTED w2@1',
      row: { state: 'PAUSED' },
      health: { w1: [0, 20_000] },
      now: 20_000,
      expected: ['judge w1 SUCCEEDED: healthy for 20 s after its restart'],
    },
    {
      name: 'a paused operation with nothing to judge does nothing',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:SUCCEEDED w2@1',
      row: { state: 'PAUSED' },
      expected: [],
    },
  ]);
});

describe('decide: I5 bounded progress and the failure threshold', () => {
  run([
    {
      name: 'a node not healthy within healthyDeadline times out',
      nodes: 'w1:MAINTENANCE',
      steps: 'w1@0:DISPATCHED',
      now: 300_001,
      expected: ['judge w1 TIMED_OUT: not healthy within healthyDeadline (300 s)'],
    },
    {
      name: 'no node healthy within progressDeadline times the operation out, steps in flight too',
      nodes: 'w1:MAINTENANCE w2:UP',
      steps: 'w1@0:DISPATCHED w2@1',
      dispatched: { w1: 500_000 },
      now: 600_001,
      expected: [
        'cancel w2: not started: no node became healthy within progressDeadline (600 s)',
        'judge w1 TIMED_OUT: no node became healthy within progressDeadline (600 s)',
        'finish TIMED_OUT: no node became healthy within progressDeadline (600 s)',
      ],
    },
    {
      name: 'failures up to maxFailures are tolerated',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:FAILED w2@1',
      strategy: { maxFailures: 1 },
      batchFinished: { 0: 0 },
      expected: ['dispatch w2', 'RUNNING: batch 2 in progress'],
    },
    {
      name: 'one failure more than maxFailures aborts: strictly greater',
      nodes: 'w1:UP w2:UP w3:UP',
      steps: 'w1@0:FAILED w2@1:TIMED_OUT w3@2',
      strategy: { maxFailures: 1 },
      expected: ['cancel w3: not started: 2 failed steps, more than maxFailures (1)', 'finish FAILED: 2 failed steps, more than maxFailures (1)'],
    },
    {
      name: 'maxFailures 0: the first failure aborts, and steps in flight finish first',
      nodes: 'w1:UP w2:MAINTENANCE w3:UP',
      steps: 'w1@0:FAILED w2@0:DISPATCHED w3@1',
      strategy: { maxParallel: 2, maxUnavailable: { count: 2 } },
      expected: [
        'cancel w3: not started: 1 failed step, more than maxFailures (0)',
        'RUNNING: 1 failed step, more than maxFailures (0); finishing 1 step in flight',
      ],
    },
    {
      name: 'a failed canary fails the operation whatever maxFailures says',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0*:FAILED w2@1',
      strategy: { canary: 1, maxFailures: 5 },
      expected: ['cancel w2: not started: canary w1 failed; no other node was touched', 'finish FAILED: canary w1 failed; no other node was touched'],
    },
    {
      name: 'a step whose manager became unreachable fails',
      nodes: 'w1:MAINTENANCE',
      steps: 'w1@0:DISPATCHED',
      unreachable: ['a'],
      expected: ['judge w1 FAILED: the manager of a is unreachable'],
    },
    {
      name: 'a step whose node left maintenance before it was healthy fails',
      nodes: 'w1:DOWN',
      steps: 'w1@0:RESTARTED',
      expected: ['judge w1 FAILED: w1 left maintenance as DOWN before it was healthy'],
    },
  ]);
});

describe('decide: I6 one terminal state', () => {
  run([
    {
      name: 'every step done: SUCCEEDED',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:SUCCEEDED w2@1:SUCCEEDED',
      expected: ['finish SUCCEEDED: done'],
    },
    {
      name: 'done with tolerated failures: SUCCEEDED, and says so',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:FAILED w2@1:SUCCEEDED',
      strategy: { maxFailures: 1 },
      expected: ['finish SUCCEEDED: done; 1 failure tolerated (maxFailures 1)'],
    },
    {
      name: 'cancelled: what has not started is cancelled, and the operation ends',
      nodes: 'w1:UP w2:UP',
      steps: 'w1@0:SUCCEEDED w2@1',
      row: { cancelRequested: true },
      expected: ['cancel w2: not started: cancelled', 'finish CANCELLED: cancelled'],
    },
    {
      name: 'cancelled while paused with a step in flight: stays PAUSED until the step ends',
      nodes: 'w1:MAINTENANCE',
      steps: 'w1@0:DISPATCHED',
      row: { cancelRequested: true, state: 'PAUSED' },
      expected: ['PAUSED: cancelled; finishing 1 step in flight'],
    },
  ]);
});

describe('decide: I7 pre-flight', () => {
  run([
    {
      name: 'an operation does not start while the cluster is already at its budget',
      nodes: 'w1:UP w2:UP w3:DOWN w4:SUSPECT',
      steps: 'w1@0 w2@1',
      strategy: { maxUnavailable: { count: 2 } },
      row: { state: 'PENDING', startedAt: null },
      expected: [`WAITING: ${atBudget('w3 DOWN, w4 SUSPECT', 2, 2)}`],
    },
    {
      name: 'a running operation pauses its next batch when nodes fail meanwhile',
      nodes: 'w1:UP w2:UP w3:DOWN',
      steps: 'w1@0:SUCCEEDED w2@1',
      batchFinished: { 0: 0 },
      expected: [`WAITING: ${atBudget('w3 DOWN')}`],
    },
  ]);
});

describe('decideReport: I8 fencing and the agent’s outcome codes', () => {
  const { progress } = progressOf({
    name: '',
    nodes: 'w1:MAINTENANCE w2:MAINTENANCE w3:UP',
    steps: 'w1@0:DISPATCHED w2@0:RESTARTED w3@0:SUCCEEDED',
    expected: [],
  });
  const [dispatched, restarted, done] = progress.steps;
  const report = (state: CommandReport['state'], code: CommandReport['code'] = null, message = 'm') => ({ state, code, message });
  const cases: { name: string; step: StepRow; commandId?: string; report: ReturnType<typeof report>; expected: ReturnType<typeof decideReport> }[] = [
    { name: 'a refusal for a stale epoch sends the step again', step: dispatched, report: report('REJECTED', 'STALE_EPOCH'), expected: { kind: 'resend' } },
    {
      name: 'an agent without codes: a refusal is a plain failure, whatever its message says',
      step: dispatched,
      report: report('REJECTED', null, 'stale epoch 1; epoch 2 was already seen for this operation'),
      expected: { kind: 'fail', state: 'FAILED', message: 'rejected by the manager: stale epoch 1; epoch 2 was already seen for this operation' },
    },
    {
      name: 'any other refusal fails the step',
      step: dispatched,
      report: report('REJECTED', 'UNKNOWN_NODE', 'no worker named w1 here'),
      expected: { kind: 'fail', state: 'FAILED', message: 'rejected by the manager: no worker named w1 here' },
    },
    {
      name: 'a failed restart fails the step',
      step: dispatched,
      report: report('FAILED', 'RESTART_FAILED', 'w1 did not become healthy'),
      expected: { kind: 'fail', state: 'FAILED', message: 'failed by the manager: w1 did not become healthy' },
    },
    {
      name: 'a deploy the manager reverted ends the step REVERTED, in the manager’s words',
      step: dispatched,
      report: report('FAILED', 'REVERTED', 'reverted: w1 was not healthy within 30 s after the change'),
      expected: { kind: 'fail', state: 'REVERTED', message: 'reverted: w1 was not healthy within 30 s after the change' },
    },
    {
      name: 'only a refusal is sent again',
      step: dispatched,
      report: report('FAILED', 'STALE_EPOCH'),
      expected: { kind: 'fail', state: 'FAILED', message: 'failed by the manager: m' },
    },
    {
      name: 'a restart done starts the health gate',
      step: dispatched,
      report: report('SUCCEEDED', null, 'w1 restarted'),
      expected: { kind: 'restarted', message: 'w1 restarted; waiting for it to stay healthy' },
    },
    { name: 'RUNNING changes nothing', step: dispatched, report: report('RUNNING'), expected: null },
    {
      name: 'a report on an older command of the step is ignored',
      step: dispatched,
      commandId: 'command-old',
      report: report('REJECTED', 'STALE_EPOCH'),
      expected: null,
    },
    { name: 'a second SUCCEEDED changes nothing', step: restarted, report: report('SUCCEEDED'), expected: null },
    { name: 'a report on a finished step is ignored', step: done, report: report('FAILED', 'RESTART_FAILED'), expected: null },
  ];
  for (const example of cases) {
    it(example.name, () => expect(decideReport(example.step, example.commandId ?? example.step.commandId ?? '', example.report)).toEqual(example.expected));
  }
  it('a report on no step of a tracked operation is ignored', () => expect(decideReport(undefined, 'command-w1', report('FAILED'))).toBeNull());
});
