import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../api/src/modules/liveness/liveness.table.ts';
import { type BudgetNode, type BudgetQuestion, decideBudget } from '../../api/src/modules/operations/operations.budget.ts';
import { DEFAULT_STRATEGY, type PlanNode, planSteps } from '../../api/src/modules/operations/operations.strategy.ts';

/** A cluster from a compact description: 'w1:UP w2:DOWN m:UP' (m is the manager). */
function cluster(description: string): BudgetNode[] {
  return description.split(' ').map((entry) => {
    const [name, status] = entry.split(':');
    return { nodeId: `id-${name}`, name, role: name === 'm' ? 'MANAGER' : 'WORKER', status: status as NodeStatus };
  });
}

function ask(nodes: string, overrides: Partial<BudgetQuestion> & { step?: string } = {}) {
  const { step, ...rest } = overrides;
  return decideBudget({
    clusterName: 'c',
    size: 4,
    maxUnavailable: 1,
    managers: false,
    reachable: true,
    nodes: cluster(nodes),
    stepNodeId: step ? `id-${step}` : null,
    ...rest,
  });
}

describe('decideBudget', () => {
  const cases: {
    name: string;
    nodes: string;
    question?: Partial<BudgetQuestion> & { step?: string };
    ok: boolean;
    blockedBy?: string;
    unavailable: string[];
    reason: string;
  }[] = [
    {
      name: 'an all-UP cluster has room',
      nodes: 'w1:UP w2:UP w3:UP w4:UP m:UP',
      ok: true,
      unavailable: [],
      reason: '0 of 4 unavailable now, within the budget of 1 at once',
    },
    {
      name: 'an UP step starts while there is room',
      nodes: 'w1:UP w2:UP w3:UP w4:UP',
      question: { step: 'w1' },
      ok: true,
      unavailable: [],
      reason: '0 of 4 unavailable now, within the budget of 1 at once',
    },
    ...(['DOWN', 'SUSPECT', 'UNKNOWN', 'MAINTENANCE'] as const).map((status) => ({
      name: `${status} counts as unavailable and holds an UP step back`,
      nodes: `w1:UP w2:${status} w3:UP w4:UP`,
      question: { step: 'w1' },
      ok: false,
      blockedBy: 'BUDGET',
      unavailable: ['w2'],
      reason: `c is at its disruption budget (1 of at most 1 unavailable: w2 ${status})`,
    })),
    {
      name: 'a LEFT node counts for nothing',
      nodes: 'w1:UP w2:LEFT w3:UP',
      question: { step: 'w1' },
      ok: true,
      unavailable: [],
      reason: '0 of 4 unavailable now, within the budget of 1 at once',
    },
    {
      name: 'without a step, the question is whether an UP node could go down',
      nodes: 'w1:UP w2:DOWN',
      ok: false,
      blockedBy: 'BUDGET',
      unavailable: ['w2'],
      reason: 'c is at its disruption budget (1 of at most 1 unavailable: w2 DOWN)',
    },
    {
      name: 'a DOWN step takes no budget: it is counted already',
      nodes: 'w1:UP w2:DOWN w3:UP w4:UP',
      question: { step: 'w2' },
      ok: true,
      unavailable: ['w2'],
      reason: 'w2 is DOWN itself: restarting it takes nothing more down (1 of at most 1 unavailable: w2 DOWN)',
    },
    {
      name: 'a SUSPECT step takes no budget either',
      nodes: 'w1:UP w2:SUSPECT',
      question: { step: 'w2' },
      ok: true,
      unavailable: ['w2'],
      reason: 'w2 is SUSPECT itself: restarting it takes nothing more down (1 of at most 1 unavailable: w2 SUSPECT)',
    },
    {
      name: 'two DOWN with a budget of 1: each DOWN node may still be restarted',
      nodes: 'w1:UP w2:DOWN w3:DOWN w4:UP',
      question: { step: 'w3' },
      ok: true,
      unavailable: ['w2', 'w3'],
      reason: 'w3 is DOWN itself: restarting it takes nothing more down (2 of at most 1 unavailable: w2 DOWN, w3 DOWN)',
    },
    {
      name: 'two DOWN with a budget of 1: an UP node waits',
      nodes: 'w1:UP w2:DOWN w3:DOWN w4:UP',
      question: { step: 'w4' },
      ok: false,
      blockedBy: 'BUDGET',
      unavailable: ['w2', 'w3'],
      reason: 'c is at its disruption budget (2 of at most 1 unavailable: w2 DOWN, w3 DOWN)',
    },
    {
      name: 'a DOWN node already being restarted (MAINTENANCE) holds the next UP step back',
      nodes: 'w1:UP w2:MAINTENANCE',
      question: { step: 'w1' },
      ok: false,
      blockedBy: 'BUDGET',
      unavailable: ['w2'],
      reason: 'c is at its disruption budget (1 of at most 1 unavailable: w2 MAINTENANCE)',
    },
    {
      name: 'below a larger budget an UP step starts',
      nodes: 'w1:UP w2:DOWN w3:UP',
      question: { step: 'w1', maxUnavailable: 2 },
      ok: true,
      unavailable: ['w2'],
      reason: '1 of 4 unavailable now, within the budget of 2 at once',
    },
    {
      name: 'a step whose node is in maintenance for another operation waits',
      nodes: 'w1:MAINTENANCE w2:UP',
      question: { step: 'w1', maxUnavailable: 3 },
      ok: false,
      blockedBy: 'NODE',
      unavailable: ['w1'],
      reason: 'w1 is in maintenance for another operation',
    },
    {
      name: 'an UNKNOWN step waits: nothing says it failed',
      nodes: 'w1:UNKNOWN w2:UP',
      question: { step: 'w1', maxUnavailable: 3 },
      ok: false,
      blockedBy: 'NODE',
      unavailable: ['w1'],
      reason: 'w1 is UNKNOWN: it is not restarted until the OC knows its state',
    },
    {
      name: 'an unreachable manager blocks everything, a DOWN step too',
      nodes: 'w1:UNKNOWN w2:UNKNOWN m:UNKNOWN',
      question: { step: 'w1', reachable: false },
      ok: false,
      blockedBy: 'UNREACHABLE',
      unavailable: ['w1', 'w2'],
      reason: 'the manager of c is unreachable',
    },
    {
      name: 'managers do not count unless the operation restarts one',
      nodes: 'w1:UP m:SUSPECT',
      question: { step: 'w1' },
      ok: true,
      unavailable: [],
      reason: '0 of 4 unavailable now, within the budget of 1 at once',
    },
    {
      name: 'managers count when the operation restarts one',
      nodes: 'w1:UP m:SUSPECT',
      question: { step: 'w1', managers: true },
      ok: false,
      blockedBy: 'BUDGET',
      unavailable: ['m'],
      reason: 'c is at its disruption budget (1 of at most 1 unavailable: m SUSPECT)',
    },
    {
      name: 'a long list is shortened',
      nodes: 'w1:UP w2:DOWN w3:DOWN w4:DOWN w5:DOWN w6:DOWN',
      question: { step: 'w1', maxUnavailable: 2 },
      ok: false,
      blockedBy: 'BUDGET',
      unavailable: ['w2', 'w3', 'w4', 'w5', 'w6'],
      reason: 'c is at its disruption budget (5 of at most 2 unavailable: w2 DOWN, w3 DOWN, w4 DOWN and 2 more)',
    },
  ];

  for (const example of cases) {
    it(example.name, () => {
      const answer = ask(example.nodes, example.question);
      expect(answer.ok).toBe(example.ok);
      expect(answer.blockedBy).toBe(example.blockedBy ?? null);
      expect(answer.unavailable.map((node) => node.name)).toEqual(example.unavailable);
      expect(answer.reason).toBe(example.reason);
    });
  }
});

describe('planSteps puts failed workers first', () => {
  /** Nodes from 'a/w1:UP b/w2:DOWN' (cluster/name:status; names starting with m are managers). */
  const nodes = (description: string): PlanNode[] =>
    description.split(' ').map((entry) => {
      const [clusterName, rest] = entry.split('/');
      const [name, status] = rest.split(':');
      return { id: name, name, role: name.startsWith('m') ? 'MANAGER' : 'WORKER', clusterId: clusterName, clusterName, status: status as NodeStatus };
    });
  const plan = (description: string, strategy: Partial<typeof DEFAULT_STRATEGY> = {}) =>
    planSteps(nodes(description), { ...DEFAULT_STRATEGY, ...strategy }).map((step) => `${step.batch}${step.canary ? '*' : ''} ${step.name}`);

  const cases: { name: string; nodes: string; strategy?: Partial<typeof DEFAULT_STRATEGY>; order: string[] }[] = [
    { name: 'all UP: by name', nodes: 'a/w3:UP a/w1:UP a/w2:UP', order: ['0 w1', '1 w2', '2 w3'] },
    { name: 'a DOWN worker first', nodes: 'a/w1:UP a/w2:DOWN a/w3:UP', order: ['0 w2', '1 w1', '2 w3'] },
    {
      name: 'DOWN and SUSPECT first, by name; UNKNOWN and MAINTENANCE in their place',
      nodes: 'a/w1:UNKNOWN a/w2:SUSPECT a/w3:MAINTENANCE a/w4:DOWN',
      order: ['0 w2', '1 w4', '2 w1', '3 w3'],
    },
    {
      name: 'failed workers of each cluster in turn, then the others in turn',
      nodes: 'a/w1:UP a/w2:DOWN b/w3:DOWN b/w4:UP',
      strategy: { maxParallel: 2 },
      order: ['0 w2', '0 w3', '1 w1', '1 w4'],
    },
    { name: 'a failed manager stays last', nodes: 'a/w1:UP a/m1:DOWN', strategy: { includeManagers: true }, order: ['0 w1', '1 m1'] },
    {
      name: 'canaries come from the front: a failed worker is the canary',
      nodes: 'a/w1:UP a/w2:DOWN a/w3:UP',
      strategy: { canary: 1 },
      order: ['0* w2', '1 w1', '2 w3'],
    },
  ];
  for (const example of cases) it(example.name, () => expect(plan(example.nodes, example.strategy)).toEqual(example.order));
});
