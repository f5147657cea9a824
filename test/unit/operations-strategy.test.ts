import { describe, expect, it } from 'vitest';
import { budgetsFor, DEFAULT_STRATEGY, normalizeStrategy, type PlanNode, planSteps } from '../../api/src/modules/operations/operations.strategy.ts';

describe('normalizeStrategy', () => {
  it('fills in the defaults, ignoring absent and null fields', () => {
    expect(normalizeStrategy(undefined)).toEqual(DEFAULT_STRATEGY);
    expect(normalizeStrategy(null)).toEqual(DEFAULT_STRATEGY);
    expect(normalizeStrategy({ maxParallel: null, maxUnavailable: null, minHealthyTimeMs: undefined } as never)).toEqual(DEFAULT_STRATEGY);
    expect(normalizeStrategy({ maxParallel: 3, canary: 1 })).toEqual({ ...DEFAULT_STRATEGY, maxParallel: 3, canary: 1 });
  });

  it('takes the budget as a count or a percentage, not both', () => {
    expect(normalizeStrategy({ maxUnavailable: 4 }).maxUnavailable).toEqual({ count: 4 });
    expect(normalizeStrategy({ maxUnavailablePercent: 25 }).maxUnavailable).toEqual({ percent: 25 });
    expect(() => normalizeStrategy({ maxUnavailable: 1, maxUnavailablePercent: 50 })).toThrow(/not both/);
  });

  const refused: [string, Parameters<typeof normalizeStrategy>[0], RegExp][] = [
    ['a batch of no node', { maxParallel: 0 }, /maxParallel must be a whole number from 1 to 10000 \(got 0\)/],
    ['a fractional batch', { maxParallel: 1.5 }, /maxParallel must be a whole number/],
    ['a budget of no node', { maxUnavailable: 0 }, /maxUnavailable must be a whole number from 1/],
    ['a percentage over 100', { maxUnavailablePercent: 101 }, /maxUnavailablePercent must be a whole number from 1 to 100/],
    ['a negative minHealthyTime', { minHealthyTimeMs: -1 }, /minHealthyTime must be a whole number from 0/],
    ['a healthyDeadline under a second', { healthyDeadlineMs: 999 }, /healthyDeadline must be a whole number from 1000/],
    ['negative maxFailures', { maxFailures: -1 }, /maxFailures must be a whole number from 0/],
    ['a pause longer than a day', { pauseBetweenBatchesMs: 86_400_001 }, /pauseBetweenBatches must be a whole number from 0 to 86400000/],
    ['a healthyDeadline no node could meet', { minHealthyTimeMs: 300_000 }, /healthyDeadline must be longer than minHealthyTime/],
    ['a progressDeadline within the healthyDeadline', { healthyDeadlineMs: 600_000 }, /progressDeadline must be longer than healthyDeadline/],
  ];
  for (const [name, input, message] of refused) it(`refuses ${name}`, () => expect(() => normalizeStrategy(input)).toThrow(message));

  it('says which field is wrong', () => {
    expect(() => normalizeStrategy({ canary: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'canary' }));
  });
});

describe('budgetsFor', () => {
  const clusters = [
    { id: 'a', name: 'small', size: 3 },
    { id: 'b', name: 'large', size: 10 },
  ];

  it('gives every cluster the same count', () => {
    expect(budgetsFor(normalizeStrategy({ maxUnavailable: 2 }), clusters)).toEqual({
      a: { clusterName: 'small', size: 3, maxUnavailable: 2 },
      b: { clusterName: 'large', size: 10, maxUnavailable: 2 },
    });
  });

  it('rounds a percentage down per cluster', () => {
    const budgets = budgetsFor(normalizeStrategy({ maxUnavailablePercent: 40 }), clusters);
    expect([budgets.a.maxUnavailable, budgets.b.maxUnavailable]).toEqual([1, 4]);
  });

  it('refuses a percentage that rounds to no node, naming the clusters', () => {
    expect(() => budgetsFor(normalizeStrategy({ maxUnavailablePercent: 20 }), clusters)).toThrow(/20% rounds down to 0 nodes for small \(3 nodes\)/);
  });
});

describe('planSteps batches', () => {
  const workers = (count: number): PlanNode[] =>
    Array.from({ length: count }, (_, index) => ({
      id: `w${index + 1}`,
      name: `w${index + 1}`,
      role: 'WORKER',
      clusterId: 'a',
      clusterName: 'a',
      status: 'UP',
    }));
  const plan = (count: number, strategy: Partial<typeof DEFAULT_STRATEGY>) =>
    planSteps(workers(count), { ...DEFAULT_STRATEGY, ...strategy }).map((step) => `${step.batch}${step.canary ? '*' : ''} ${step.name}`);

  it('cuts the order into batches of maxParallel, numbering positions', () => {
    expect(plan(5, { maxParallel: 2 })).toEqual(['0 w1', '0 w2', '1 w3', '1 w4', '2 w5']);
    expect(planSteps(workers(3), DEFAULT_STRATEGY).map((step) => step.position)).toEqual([0, 1, 2]);
  });

  it('puts the canaries in batch 0 and the rest in batches from 1', () => {
    expect(plan(5, { canary: 2, maxParallel: 2 })).toEqual(['0* w1', '0* w2', '1 w3', '1 w4', '2 w5']);
  });

  it('leaves managers out unless they are in the node list, and plans nothing for no nodes', () => {
    expect(plan(0, { canary: 2 })).toEqual([]);
    expect(plan(2, { canary: 5 })).toEqual(['0* w1', '0* w2']);
  });
});
