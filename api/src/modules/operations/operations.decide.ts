import { counted } from '@opscenter/agent/shared/text';
import type { CommandReport } from '../commands/commands.service.ts';
import type { NodeCondition } from '../liveness/liveness.service.ts';
import { type BudgetAnswer, type BudgetNode, clusterBudget, hasFailed } from './operations.budget.ts';
import { deployDeadlineMs } from './operations.deploy.ts';
import type { OperationRow, OperationState, StepRow, StepState } from './operations.table.ts';

export const IN_FLIGHT: readonly StepState[] = ['DISPATCHED', 'RESTARTED'];
const STEP_DONE: readonly StepState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'REVERTED'];
const STEP_FAILED: readonly StepState[] = ['FAILED', 'TIMED_OUT', 'REVERTED'];

/** Steps by state. */
export function counts(steps: readonly StepRow[]): Record<StepState, number> {
  const result: Record<StepState, number> = { PENDING: 0, DISPATCHED: 0, RESTARTED: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0, TIMED_OUT: 0, REVERTED: 0 };
  for (const step of steps) result[step.state] += 1;
  return result;
}

/** An operation as the engine drives it: its rows, and the engine's monotonic timings (which do not survive a restart). */
export interface OperationProgress {
  row: OperationRow;
  steps: StepRow[];
  /** Whether managers count towards its budgets (it restarts one). */
  managers: boolean;
  dispatchedMono: ReadonlyMap<string, number>;
  restartedMono: ReadonlyMap<string, number>;
  lastProgressMono: number;
  batchFinishedMono: ReadonlyMap<number, number>;
}

/** A cluster's nodes as liveness sees them now; `reachable` is false while its manager's lease has run out. */
export interface ClusterConditions {
  reachable: boolean;
  nodes: NodeCondition[];
}

/** Conditions by cluster id (a Map will do); a cluster left out counts as unreachable with no nodes. */
export interface Conditions {
  get(clusterId: string): ClusterConditions | undefined;
}

export type StepVerdict = Extract<StepState, 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REVERTED'>;

/** Send a step; with `inPlaceOf`, the step takes that pending step's batch and position, and gives it its own. */
export interface DispatchDecision {
  kind: 'dispatch';
  step: StepRow;
  /** Why the budget allows it. */
  budget: string;
  inPlaceOf?: StepRow;
}

/** What the engine is to do, in the order given. */
export type Decision =
  /** Ends an in-flight step. */
  | { kind: 'judge'; step: StepRow; state: StepVerdict; message: string }
  | { kind: 'cancelPending'; steps: StepRow[]; message: string }
  /** rollbackOnFailure: undo these APPLY steps of a failed DEPLOY, in this order. */
  | { kind: 'rollback'; steps: StepRow[]; reason: string }
  /** Remembers when a batch was done, for pauseBetweenBatches. */
  | { kind: 'batchFinished'; batch: number; at: number }
  | DispatchDecision
  /** Running or waiting, and why. */
  | { kind: 'setState'; state: OperationState; reason: string }
  | { kind: 'finish'; state: OperationState; reason: string };

const UNREACHABLE: ClusterConditions = { reachable: false, nodes: [] };

const byPosition = (steps: StepRow[]) => [...steps].sort((a, b) => a.position - b.position);

/**
 * How long a restarted node has been healthy by its own heartbeats: only a batch received after
 * the manager reported the restart done counts, and the healthy run is measured from that report
 * at the earliest. -1 while no such healthy batch has arrived. A DEPLOY's manager reports done
 * only after it has watched the node healthy for minHealthyTime with the change loaded, so there
 * the run the heartbeats show before the report counts too.
 */
function healthyForMs(node: NodeCondition, restartedMono: number, gatedByManager: boolean, now: number): number {
  if (node.healthySinceMono === null || node.lastReportMono < restartedMono) return -1;
  return now - (gatedByManager ? node.healthySinceMono : Math.max(node.healthySinceMono, restartedMono));
}

/**
 * What to do next with an operation, from its progress, its clusters' conditions and the
 * monotonic time now (reliability.md I1–I8). In-flight steps are judged first and alone: ending a
 * step takes its node out of maintenance, which changes the conditions the next decisions need,
 * so after judgments the engine gathers the conditions again and asks again.
 */
export function decide(progress: OperationProgress, conditions: Conditions, now: number): Decision[] {
  const verdicts = judgeInFlight(progress, conditions, now);
  if (verdicts.length > 0) return verdicts;
  return abortOrFinish(progress, now) ?? advance(progress, conditions, now);
}

/** I4 and I5: a step succeeds once its node has stayed healthy for minHealthyTime, and fails when it cannot. */
function judgeInFlight(progress: OperationProgress, conditions: Conditions, now: number): Decision[] {
  const { strategy } = progress.row;
  const deploy = progress.row.kind === 'DEPLOY';
  const deadlineMs = deploy ? deployDeadlineMs(strategy) : strategy.healthyDeadlineMs;
  const nodesOf = new Map<string, Map<string, NodeCondition>>();
  const nodeOf = (step: StepRow) => {
    if (!nodesOf.has(step.clusterId)) nodesOf.set(step.clusterId, new Map((conditions.get(step.clusterId)?.nodes ?? []).map((node) => [node.nodeId, node])));
    return nodesOf.get(step.clusterId)?.get(step.nodeId);
  };
  const decisions: Decision[] = [];
  const judge = (step: StepRow, state: StepVerdict, message: string) => decisions.push({ kind: 'judge', step, state, message });
  for (const step of progress.steps.filter((candidate) => IN_FLIGHT.includes(candidate.state))) {
    const node = nodeOf(step);
    const dispatched = progress.dispatchedMono.get(step.id) ?? now;
    const healthyFor = node ? healthyForMs(node, progress.restartedMono.get(step.id) ?? now, deploy, now) : -1;
    if (!conditions.get(step.clusterId)?.reachable) judge(step, 'FAILED', `the manager of ${step.clusterName} is unreachable`);
    else if (node?.status !== 'MAINTENANCE') judge(step, 'FAILED', `${step.nodeName} left maintenance as ${node?.status ?? 'gone'} before it was healthy`);
    else if (step.state === 'RESTARTED' && healthyFor >= strategy.minHealthyTimeMs)
      judge(step, 'SUCCEEDED', deploy ? doneMessage(step) : `healthy for ${Math.round(healthyFor / 1000)} s after its restart`);
    else if (now - dispatched > deadlineMs)
      judge(
        step,
        'TIMED_OUT',
        deploy ? `no report within three times healthyDeadline (${deadlineMs / 1000} s)` : `not healthy within healthyDeadline (${deadlineMs / 1000} s)`,
      );
  }
  return decisions;
}

/** What a DEPLOY step that succeeded reports: its manager's own words carry the change. */
function doneMessage(step: StepRow): string {
  return step.phase === 'ROLLBACK' ? 'reverted to the content it had before; healthy' : 'changed; healthy with the new content loaded';
}

/** Why the operation failed by its failed steps (I5, or a failed canary), if it did. */
function failureReason(progress: OperationProgress, failures: StepRow[]): string | null {
  const { strategy } = progress.row;
  const canary = failures.find((step) => step.canary);
  if (canary) return `canary ${canary.nodeName} failed; no other node was touched`;
  if (failures.length > strategy.maxFailures) return `${counted(failures.length, 'failed step')}, more than maxFailures (${strategy.maxFailures})`;
  return null;
}

/** Why the operation must stop starting steps (I5, a failed canary, or a cancel), if it must. */
function abortReason(progress: OperationProgress, failures: StepRow[], now: number): { state: OperationState; reason: string } | null {
  const { strategy } = progress.row;
  const failed = failureReason(progress, failures);
  if (failed) return { state: 'FAILED', reason: failed };
  if (now - progress.lastProgressMono > strategy.progressDeadlineMs)
    return { state: 'TIMED_OUT', reason: `no node became healthy within progressDeadline (${strategy.progressDeadlineMs / 1000} s)` };
  if (progress.row.cancelRequested) return { state: 'CANCELLED', reason: 'cancelled' };
  return null;
}

/**
 * The APPLY steps a rollback undoes, last changed first: every one sent to its node and not
 * reverted there already. A failed or timed-out one may have been switched in before it failed,
 * and a REVERT finds nothing to undo where nothing was changed.
 */
function toRollBack(steps: readonly StepRow[]): StepRow[] {
  const changed = steps.filter((step) => step.phase === 'APPLY' && ['SUCCEEDED', 'FAILED', 'TIMED_OUT'].includes(step.state));
  return changed.sort((a, b) => (b.dispatchedAt?.getTime() ?? 0) - (a.dispatchedAt?.getTime() ?? 0) || b.position - a.position);
}

/** A rollback runs every ROLLBACK step (a failure does not stop the others), then the operation ends FAILED, saying how the rollback went. */
function finishRollback(progress: OperationProgress, rollback: StepRow[]): Decision[] | null {
  if (rollback.some((step) => !STEP_DONE.includes(step.state))) return null;
  const failed = rollback.filter((step) => step.state !== 'SUCCEEDED');
  const applyFailures = progress.steps.filter((step) => step.phase === 'APPLY' && STEP_FAILED.includes(step.state));
  const why = failureReason(progress, applyFailures) ?? 'failed';
  const outcome =
    failed.length === 0
      ? `rolled back ${counted(rollback.length, 'node')}`
      : `rollback failed on ${failed.map((step) => step.nodeName).join(', ')} (${rollback.length - failed.length} of ${rollback.length} rolled back)`;
  return [{ kind: 'finish', state: 'FAILED', reason: `${why}; ${outcome}` }];
}

/** I6: an aborted operation cancels what has not started and ends once nothing is in flight; a done one succeeds. */
function abortOrFinish(progress: OperationProgress, now: number): Decision[] | null {
  const rollback = progress.steps.filter((step) => step.phase === 'ROLLBACK');
  if (rollback.length > 0) return finishRollback(progress, rollback);
  const { steps, row } = progress;
  const failures = steps.filter((step) => STEP_FAILED.includes(step.state));
  const inFlight = steps.filter((step) => IN_FLIGHT.includes(step.state));
  const pending = steps.filter((step) => step.state === 'PENDING');
  const abort = abortReason(progress, failures, now);
  if (abort) {
    const decisions: Decision[] = pending.length > 0 ? [{ kind: 'cancelPending', steps: pending, message: `not started: ${abort.reason}` }] : [];
    // A deadline that has passed ends the steps in flight too; the other reasons let them finish.
    const timedOut = abort.state === 'TIMED_OUT' ? inFlight : [];
    for (const step of timedOut) decisions.push({ kind: 'judge', step, state: 'TIMED_OUT', message: abort.reason });
    const stillRunning = inFlight.length - timedOut.length;
    const undo = abort.state === 'FAILED' && row.kind === 'DEPLOY' && row.strategy.rollbackOnFailure ? toRollBack(steps) : [];
    decisions.push(
      stillRunning === 0
        ? undo.length > 0
          ? { kind: 'rollback', steps: undo, reason: abort.reason }
          : { kind: 'finish', state: abort.state, reason: abort.reason }
        : {
            kind: 'setState',
            state: row.state === 'PAUSED' ? 'PAUSED' : 'RUNNING',
            reason: `${abort.reason}; finishing ${counted(stillRunning, 'step')} in flight`,
          },
    );
    return decisions;
  }
  if (pending.length === 0 && inFlight.length === 0) {
    const reason = failures.length ? `done; ${counted(failures.length, 'failure')} tolerated (maxFailures ${row.strategy.maxFailures})` : 'done';
    return [{ kind: 'finish', state: 'SUCCEEDED', reason }];
  }
  return null;
}

/** Whether a step may start now by its cluster's budget (operations.budget.ts), and why. */
export function stepBudget(progress: OperationProgress, step: StepRow, cluster: { reachable: boolean; nodes: BudgetNode[] }): BudgetAnswer {
  const budget = progress.row.budgets[step.clusterId] ?? { clusterName: step.clusterName, size: 0, maxUnavailable: 1 };
  return clusterBudget(budget, progress.managers, cluster, step.nodeId);
}

/**
 * The budgets of an operation's clusters while steps are being decided: each dispatch decided
 * puts its node into maintenance here, as carrying it out will, so the next step sees it (I1, I2).
 */
class BudgetLedger {
  readonly #nodes = new Map<string, Map<string, BudgetNode>>();

  constructor(
    private readonly progress: OperationProgress,
    private readonly conditions: Conditions,
  ) {}

  ask(step: StepRow): BudgetAnswer {
    const { reachable } = this.conditions.get(step.clusterId) ?? UNREACHABLE;
    return stepBudget(this.progress, step, { reachable, nodes: [...this.#cluster(step.clusterId).values()] });
  }

  status(step: StepRow): BudgetNode['status'] | undefined {
    return this.#cluster(step.clusterId).get(step.nodeId)?.status;
  }

  take(step: StepRow): void {
    const nodes = this.#cluster(step.clusterId);
    const node = nodes.get(step.nodeId);
    if (node) nodes.set(step.nodeId, { ...node, status: 'MAINTENANCE' });
  }

  #cluster(clusterId: string): Map<string, BudgetNode> {
    let nodes = this.#nodes.get(clusterId);
    if (!nodes) {
      nodes = new Map((this.conditions.get(clusterId) ?? UNREACHABLE).nodes.map((node) => [node.nodeId, node]));
      this.#nodes.set(clusterId, nodes);
    }
    return nodes;
  }
}

/** I4 and the canary gate: the next batch starts once the one before is done, promoted and paused after. */
function batchGate(progress: OperationProgress, batch: number, now: number): Decision[] | null {
  const { steps, row } = progress;
  const { strategy } = row;
  if (batch === 0 || steps.some((step) => step.batch === batch && step.state !== 'PENDING')) return null;
  const finishedAt = progress.batchFinishedMono.get(batch - 1);
  const noted: Decision[] = finishedAt === undefined ? [{ kind: 'batchFinished', batch: batch - 1, at: now }] : [];
  const rollingBack = steps.some((step) => step.batch === batch && step.phase === 'ROLLBACK');
  const afterCanaries = !rollingBack && strategy.canary > 0 && steps.filter((step) => step.batch < batch).every((step) => step.canary);
  if (afterCanaries && !row.promoted && !strategy.autoPromote)
    return [...noted, { kind: 'setState', state: 'AWAITING_PROMOTION', reason: 'the canaries are healthy; promote the operation to continue' }];
  const pauseUntil = (finishedAt ?? now) + strategy.pauseBetweenBatchesMs;
  if (now < pauseUntil)
    return [...noted, { kind: 'setState', state: 'WAITING', reason: `pausing ${Math.ceil((pauseUntil - now) / 1000)} s before batch ${batch + 1}` }];
  return noted.length > 0 ? noted : null;
}

/** What the operation is doing with a batch, for its state reason: a batch of its own, or part of a rollback. */
function batchLabel(progress: OperationProgress, batch: number): string {
  const rollback = progress.steps.filter((step) => step.phase === 'ROLLBACK');
  if (!rollback.some((step) => step.batch === batch)) return `batch ${batch + 1}`;
  const failures = progress.steps.filter((step) => step.phase === 'APPLY' && STEP_FAILED.includes(step.state));
  return `${failureReason(progress, failures) ?? 'failed'}; rolling back ${counted(rollback.length, 'node')}`;
}

/** Starts the current batch's steps as far as each cluster's budget allows (I1, I2, I7), and says where it stands. */
function advance(progress: OperationProgress, conditions: Conditions, now: number): Decision[] {
  const { steps, row } = progress;
  if (row.state === 'PAUSED' || row.state === 'AWAITING_PROMOTION') return [];
  const batch = Math.min(...steps.filter((step) => !STEP_DONE.includes(step.state)).map((step) => step.batch));
  const gate = batchGate(progress, batch, now);
  if (gate?.some((decision) => decision.kind === 'setState')) return gate;
  const decisions: Decision[] = gate ?? [];

  const ledger = new BudgetLedger(progress, conditions);
  const refused: { step: StepRow; answer: BudgetAnswer }[] = [];
  for (const step of byPosition(steps.filter((candidate) => candidate.state === 'PENDING' && candidate.batch === batch))) {
    const answer = ledger.ask(step);
    if (!answer.ok) refused.push({ step, answer });
    else {
      decisions.push({ kind: 'dispatch', step, budget: answer.reason });
      ledger.take(step);
    }
  }
  // Canaries go first and alone, so nothing joins their batch; any later batch may take in a node that failed after the plan was made.
  if (!(row.strategy.canary > 0 && batch === 0)) decisions.push(...restartFailedFirst(progress, ledger, batch, refused));

  const moved = new Set(decisions.flatMap((decision) => (decision.kind === 'dispatch' && decision.inPlaceOf ? [decision.inPlaceOf.id] : [])));
  const reason = refused.find(({ step }) => !moved.has(step.id))?.answer.reason ?? null;
  const running = steps.filter((step) => IN_FLIGHT.includes(step.state)).length + decisions.filter((decision) => decision.kind === 'dispatch').length;
  decisions.push(
    running > 0
      ? { kind: 'setState', state: 'RUNNING', reason: reason ? `${batchLabel(progress, batch)}: ${reason}` : `${batchLabel(progress, batch)} in progress` }
      : { kind: 'setState', state: 'WAITING', reason: reason ?? 'waiting' },
  );
  return decisions;
}

/**
 * The budget holds back steps of the current batch while later batches hold steps for nodes
 * that have failed since the plan was made. Restarting those takes no budget and heals the
 * cluster, so each takes the place (batch and position) of a held-back step, which takes its
 * place in turn: batches keep their size and still run one after another (I4).
 */
function restartFailedFirst(progress: OperationProgress, ledger: BudgetLedger, batch: number, refused: { step: StepRow; answer: BudgetAnswer }[]): Decision[] {
  const held = byPosition(refused.filter(({ answer }) => answer.blockedBy === 'BUDGET').map(({ step }) => step));
  if (held.length === 0) return [];
  const failed = byPosition(progress.steps.filter((step) => step.state === 'PENDING' && step.batch > batch)).filter((step) => {
    const status = ledger.status(step);
    return status !== undefined && hasFailed(status);
  });
  const decisions: Decision[] = [];
  for (const step of failed) {
    const place = held[0];
    if (!place) break;
    const answer = ledger.ask(step);
    if (!answer.ok) continue;
    decisions.push({ kind: 'dispatch', step, budget: answer.reason, inPlaceOf: place });
    ledger.take(step);
    held.shift();
  }
  return decisions;
}

/** What the engine does with a manager's report on a step's command. */
export type ReportDecision = { kind: 'restarted'; message: string } | { kind: 'resend' } | { kind: 'fail'; state: StepVerdict; message: string };

/**
 * Reads a manager's report on the command of an in-flight step; null when there is nothing to do
 * (not the step's current command, the step is no longer in flight, or it is only RUNNING). An
 * agent refuses an older epoch's command without running it (STALE_EPOCH), so the step is sent
 * again under the current epoch (I8); any other refusal or failure fails the step, and so does a
 * refusal from an agent that reports no code.
 */
export function decideReport(step: StepRow | undefined, commandId: string, report: Pick<CommandReport, 'state' | 'code' | 'message'>): ReportDecision | null {
  if (!step || step.commandId !== commandId || !IN_FLIGHT.includes(step.state)) return null;
  if (report.state === 'SUCCEEDED')
    return step.state === 'DISPATCHED' ? { kind: 'restarted', message: `${report.message ?? 'restarted'}; waiting for it to stay healthy` } : null;
  if (report.state === 'REJECTED' && report.code === 'STALE_EPOCH') return { kind: 'resend' };
  if (report.state === 'FAILED' && report.code === 'REVERTED') return { kind: 'fail', state: 'REVERTED', message: report.message ?? 'reverted by the manager' };
  if (report.state === 'FAILED' || report.state === 'REJECTED')
    return { kind: 'fail', state: 'FAILED', message: `${report.state.toLowerCase()} by the manager: ${report.message ?? ''}` };
  return null;
}
