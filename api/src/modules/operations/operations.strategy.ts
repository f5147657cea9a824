import { counted } from '@opscenter/agent/shared/text';
import { ValidationError } from '../../shared/domain-error.ts';
import type { NodeStatus } from '../liveness/liveness.types.ts';
import { hasFailed } from './operations.budget.ts';

/** How an operation proceeds; the names follow Nomad's update block and Kubernetes' rolling updates. */
export interface Strategy {
  /** Nodes per batch. */
  maxParallel: number;
  /** Per cluster: nodes that may be unavailable at once, counting every operation and every unhealthy node. */
  maxUnavailable: { count: number } | { percent: number };
  /** A restarted node must report healthy this long before it counts as done. */
  minHealthyTimeMs: number;
  /** A node not healthy this long after its restart began fails. */
  healthyDeadlineMs: number;
  /** With no node done for this long, the operation times out. */
  progressDeadlineMs: number;
  /** Failures tolerated; one more aborts the operation. 0: the first failure aborts. */
  maxFailures: number;
  /** Nodes restarted first, as a batch of their own; the rest waits for promotion unless autoPromote. */
  canary: number;
  autoPromote: boolean;
  pauseBetweenBatchesMs: number;
  /** Restart managers too (after all workers). */
  includeManagers: boolean;
  /** A DEPLOY that fails (more than maxFailures) also reverts the nodes it changed, in reverse order, under the same budget. */
  rollbackOnFailure: boolean;
}

export type StrategyInput = Partial<Omit<Strategy, 'maxUnavailable'>> & { maxUnavailable?: number | null; maxUnavailablePercent?: number | null };

export const DEFAULT_STRATEGY: Strategy = {
  maxParallel: 1,
  maxUnavailable: { count: 1 },
  minHealthyTimeMs: 10_000,
  healthyDeadlineMs: 300_000,
  progressDeadlineMs: 600_000,
  maxFailures: 0,
  canary: 0,
  autoPromote: false,
  pauseBetweenBatchesMs: 0,
  includeManagers: false,
  rollbackOnFailure: false,
};

const DAY_MS = 86_400_000;

function wholeNumber(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ValidationError('INVALID_ARGUMENT', `${field} must be a whole number from ${min} to ${max} (got ${value}).`, field);
  return value;
}

/** Fills in defaults and checks every field; refuses combinations that could never finish. */
export function normalizeStrategy(input: StrategyInput | null | undefined): Strategy {
  const given = Object.fromEntries(Object.entries(input ?? {}).filter(([, value]) => value !== null && value !== undefined)) as StrategyInput;
  if (given.maxUnavailable !== undefined && given.maxUnavailablePercent !== undefined)
    throw new ValidationError('INVALID_ARGUMENT', 'Give maxUnavailable or maxUnavailablePercent, not both.', 'maxUnavailable');
  const strategy: Strategy = {
    ...DEFAULT_STRATEGY,
    ...given,
    maxUnavailable:
      given.maxUnavailablePercent !== undefined
        ? { percent: wholeNumber(given.maxUnavailablePercent as number, 'maxUnavailablePercent', 1, 100) }
        : { count: wholeNumber(given.maxUnavailable ?? 1, 'maxUnavailable', 1, 100_000) },
  };
  wholeNumber(strategy.maxParallel, 'maxParallel', 1, 10_000);
  wholeNumber(strategy.minHealthyTimeMs, 'minHealthyTime', 0, DAY_MS);
  wholeNumber(strategy.healthyDeadlineMs, 'healthyDeadline', 1000, DAY_MS);
  wholeNumber(strategy.progressDeadlineMs, 'progressDeadline', 1000, 7 * DAY_MS);
  wholeNumber(strategy.maxFailures, 'maxFailures', 0, 100_000);
  wholeNumber(strategy.canary, 'canary', 0, 10_000);
  wholeNumber(strategy.pauseBetweenBatchesMs, 'pauseBetweenBatches', 0, DAY_MS);
  if (strategy.healthyDeadlineMs <= strategy.minHealthyTimeMs)
    throw new ValidationError('INVALID_ARGUMENT', 'healthyDeadline must be longer than minHealthyTime, or no node could ever pass.', 'healthyDeadline');
  if (strategy.progressDeadlineMs <= strategy.healthyDeadlineMs)
    throw new ValidationError('INVALID_ARGUMENT', 'progressDeadline must be longer than healthyDeadline.', 'progressDeadline');
  return strategy;
}

export interface Budget {
  clusterName: string;
  /** The cluster's nodes in scope when the operation was created. */
  size: number;
  maxUnavailable: number;
}

/**
 * The disruption budget of each cluster, fixed when the operation is created. A percentage
 * rounds down; one that rounds to zero for some cluster is refused rather than left to hang.
 */
export function budgetsFor(strategy: Strategy, clusters: { id: string; name: string; size: number }[]): Record<string, Budget> {
  const budgets: Record<string, Budget> = {};
  const tooSmall: string[] = [];
  for (const cluster of clusters) {
    const maxUnavailable =
      'count' in strategy.maxUnavailable ? strategy.maxUnavailable.count : Math.floor((cluster.size * strategy.maxUnavailable.percent) / 100);
    if (maxUnavailable < 1) tooSmall.push(`${cluster.name} (${counted(cluster.size, 'node')})`);
    budgets[cluster.id] = { clusterName: cluster.name, size: cluster.size, maxUnavailable };
  }
  if (tooSmall.length > 0 && 'percent' in strategy.maxUnavailable) {
    throw new ValidationError(
      'INVALID_ARGUMENT',
      `maxUnavailablePercent ${strategy.maxUnavailable.percent}% rounds down to 0 nodes for ${tooSmall.join(', ')}; nothing could ever restart there. Use a larger percentage or maxUnavailable.`,
      'maxUnavailablePercent',
    );
  }
  return budgets;
}

export interface PlanNode {
  id: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  clusterId: string;
  clusterName: string;
  /** Its status when the plan is made. */
  status: NodeStatus;
}

export interface PlannedStep extends PlanNode {
  batch: number;
  position: number;
  canary: boolean;
}

/**
 * Orders the nodes and cuts them into batches: workers that have failed (DOWN, SUSPECT) first,
 * since restarting them takes no budget and may heal their cluster, then the other workers,
 * taking one node of each cluster in turn so a batch spreads over clusters; managers last; the
 * canaries, if any, are the first nodes of that order, as batch 0.
 */
export function planSteps(nodes: PlanNode[], strategy: Strategy): PlannedStep[] {
  const byName = (a: PlanNode, b: PlanNode) => (a.clusterName === b.clusterName ? a.name.localeCompare(b.name) : a.clusterName.localeCompare(b.clusterName));
  const interleave = (list: PlanNode[]) => {
    const index = new Map<string, number>();
    return [...list]
      .sort(byName)
      .map((node) => {
        const position = index.get(node.clusterId) ?? 0;
        index.set(node.clusterId, position + 1);
        return { node, position };
      })
      .sort((a, b) => a.position - b.position || a.node.clusterName.localeCompare(b.node.clusterName))
      .map(({ node }) => node);
  };
  const workers = nodes.filter((node) => node.role === 'WORKER');
  const ordered = [
    ...interleave(workers.filter((node) => hasFailed(node.status))),
    ...interleave(workers.filter((node) => !hasFailed(node.status))),
    ...interleave(nodes.filter((node) => node.role === 'MANAGER')),
  ];
  const canaries = Math.min(strategy.canary, ordered.length);
  return ordered.map((node, position) => {
    const canary = position < canaries;
    const batch = canary ? 0 : (canaries > 0 ? 1 : 0) + Math.floor((position - canaries) / strategy.maxParallel);
    return { ...node, batch, position, canary };
  });
}
