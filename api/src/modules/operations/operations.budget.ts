import type { NodeStatus } from '../liveness/liveness.types.ts';

/**
 * The one definition of "unavailable" for a cluster's disruption budget: every node that is not
 * serving, whatever the reason (reliability.md I1) — in maintenance for any operation (this one
 * or another), DOWN, SUSPECT, or UNKNOWN (a node not yet known to be up, or one whose manager is
 * unreachable). UP nodes serve; LEFT nodes are no longer members and count for nothing.
 */
const UNAVAILABLE: readonly NodeStatus[] = ['MAINTENANCE', 'DOWN', 'SUSPECT', 'UNKNOWN'];

/**
 * Nodes that are down on their own account (failed, not taken down by an operation): restarting
 * one leaves the number of unavailable nodes as it was, so it takes no budget, and a rolling
 * restart does these first. A node UNKNOWN to the OC is not among them: nothing says it has failed.
 */
const FAILED: readonly NodeStatus[] = ['DOWN', 'SUSPECT'];

function isUnavailable(status: NodeStatus): boolean {
  return UNAVAILABLE.includes(status);
}

export function hasFailed(status: NodeStatus): boolean {
  return FAILED.includes(status);
}

/**
 * Managers count towards a cluster's budget only when the operation restarts one (includeManagers,
 * or a RESTART that names one): otherwise the budget is about the workers it restarts.
 */
export function managersCount(steps: { role: string }[]): boolean {
  return steps.some((step) => step.role === 'MANAGER');
}

export interface BudgetNode {
  nodeId: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  status: NodeStatus;
}

export interface BudgetQuestion {
  clusterName: string;
  /** The cluster's nodes in the operation's scope when it was created. */
  size: number;
  maxUnavailable: number;
  /** Whether managers count (managersCount). */
  managers: boolean;
  /** False while the cluster's manager is unreachable: nothing can be sent there. */
  reachable: boolean;
  /** All the cluster's nodes with their status now. */
  nodes: BudgetNode[];
  /** The node a step would restart, when the question is whether that step may start now. */
  stepNodeId?: string | null;
}

/** Why a step may not start: the budget, its manager, or the node itself. */
export type BudgetBlock = 'BUDGET' | 'UNREACHABLE' | 'NODE';

export interface BudgetAnswer {
  /** The nodes in scope that count as unavailable now, in name order. */
  unavailable: BudgetNode[];
  /** Whether a step may start now (without a step: whether a node that is UP could be taken down now). */
  ok: boolean;
  blockedBy: BudgetBlock | null;
  /** The explanation, the same sentence wherever it is shown. */
  reason: string;
}

function listed(nodes: BudgetNode[]): string {
  const shown = nodes.slice(0, 3).map((node) => `${node.name} ${node.status}`);
  return nodes.length > 3 ? `${shown.join(', ')} and ${nodes.length - 3} more` : shown.join(', ');
}

/**
 * Decides a cluster's disruption budget from its nodes' statuses now: which nodes count as
 * unavailable, whether a step may start, and why. The engine before each dispatch, planOperation
 * and Operation.budgets all ask this, so they cannot disagree.
 *
 * The rule (reliability.md I1 and I7): an operation never takes an available node down while
 * the unavailable count is at or above maxUnavailable. Restarting a node that has failed (DOWN or
 * SUSPECT) takes nothing down, since it is counted already and stays counted (as MAINTENANCE)
 * until it is healthy again, so such a step may start at any count: that is how a cluster with
 * more failed nodes than its budget is healed, one failed node after another, without any
 * available node joining them.
 */
export function decideBudget(question: BudgetQuestion): BudgetAnswer {
  const inScope = question.nodes.filter((node) => node.role === 'WORKER' || question.managers);
  const unavailable = inScope.filter((node) => isUnavailable(node.status)).sort((a, b) => a.name.localeCompare(b.name));
  const count = `${unavailable.length} of at most ${question.maxUnavailable} unavailable`;
  const step = question.stepNodeId ? question.nodes.find((node) => node.nodeId === question.stepNodeId) : undefined;
  const answer = (blockedBy: BudgetBlock | null, reason: string): BudgetAnswer => ({ unavailable, ok: blockedBy === null, blockedBy, reason });

  if (!question.reachable) return answer('UNREACHABLE', `the manager of ${question.clusterName} is unreachable`);
  if (step?.status === 'MAINTENANCE') return answer('NODE', `${step.name} is in maintenance for another operation`);
  if (step?.status === 'UNKNOWN') return answer('NODE', `${step.name} is UNKNOWN: it is not restarted until the OC knows its state`);
  if (step && hasFailed(step.status))
    return answer(null, `${step.name} is ${step.status} itself: restarting it takes nothing more down (${count}: ${listed(unavailable)})`);
  if (unavailable.length >= question.maxUnavailable)
    return answer('BUDGET', `${question.clusterName} is at its disruption budget (${count}: ${listed(unavailable)})`);
  return answer(null, `${unavailable.length} of ${question.size} unavailable now, within the budget of ${question.maxUnavailable} at once`);
}

/**
 * The budget of one cluster of an operation, asked of the cluster's conditions: what the engine
 * asks before each step, and what planOperation and Operation.budgets show.
 */
export function clusterBudget(
  budget: Pick<BudgetQuestion, 'clusterName' | 'size' | 'maxUnavailable'>,
  managers: boolean,
  conditions: { reachable: boolean; nodes: BudgetNode[] },
  stepNodeId: string | null,
): BudgetAnswer {
  return decideBudget({ ...budget, managers, reachable: conditions.reachable, nodes: conditions.nodes, stepNodeId });
}
