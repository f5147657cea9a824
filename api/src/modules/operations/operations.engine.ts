import { counted } from '@opscenter/agent/shared/text';
import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import { DomainError } from '../../shared/domain-error.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import type { CommandReport, CommandsService } from '../commands/commands.service.ts';
import type { CommandRow } from '../commands/commands.table.ts';
import type { LivenessService, NodeCondition } from '../liveness/liveness.service.ts';
import type { NodeStatus } from '../liveness/liveness.table.ts';
import { type BudgetAnswer, decideBudget, hasFailed, managersCount } from './operations.budget.ts';
import { operationEvent, stepEvent } from './operations.events.ts';
import { type OperationsRepository, TERMINAL_OPERATION } from './operations.repository.ts';
import type { OperationRow, OperationState, StepRow, StepState } from './operations.table.ts';

const IN_FLIGHT: StepState[] = ['DISPATCHED', 'RESTARTED'];
const STEP_DONE: StepState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
const STEP_FAILED: StepState[] = ['FAILED', 'TIMED_OUT'];

/** An operation being driven, with the engine's monotonic timings (which do not survive a restart). */
interface Active {
  row: OperationRow;
  steps: StepRow[];
  /** Whether managers count towards its budgets (it restarts one). */
  managers: boolean;
  dispatchedMono: Map<string, number>;
  restartedMono: Map<string, number>;
  lastProgressMono: number;
  batchFinishedMono: Map<number, number>;
}

export interface EngineOptions {
  tickMs: number;
}

export function counts(steps: StepRow[]): Record<StepState, number> {
  const result: Record<StepState, number> = { PENDING: 0, DISPATCHED: 0, RESTARTED: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0, TIMED_OUT: 0 };
  for (const step of steps) result[step.state] += 1;
  return result;
}

const byPosition = (steps: StepRow[]) => [...steps].sort((a, b) => a.position - b.position);

/**
 * How long a restarted node has been healthy by its own heartbeats: only a batch received after
 * the manager reported the restart done counts, and the healthy run is measured from that report
 * at the earliest. -1 while no such healthy batch has arrived.
 */
function healthyForMs(node: NodeCondition, restartedMono: number, now: number): number {
  if (node.healthySinceMono === null || node.lastReportMono < restartedMono) return -1;
  return now - Math.max(node.healthySinceMono, restartedMono);
}

/**
 * Drives operations: sends each step to its node's manager as a command, takes the node into
 * planned maintenance, judges it healthy only after its own heartbeats have shown it healthy for
 * minHealthyTime, and never lets a cluster have more unavailable nodes than its disruption budget
 * allows, whatever else is running or broken there (reliability.md I1–I8).
 *
 * All decisions are made one at a time (a single queue), from state that is persisted before it
 * is acted on, so the engine can be killed at any point and resume from the database.
 */
export class OperationsEngine {
  readonly #active = new Map<string, Active>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #kickPending = false;
  #stopped = false;
  readonly #finishedListeners: ((operation: OperationRow) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: OperationsRepository,
    private readonly commands: CommandsService,
    private readonly liveness: LivenessService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly options: EngineOptions,
    private readonly logger: Logger,
  ) {
    liveness.onMaintenanceHealthy(() => this.kick());
    commands.onReport((command, report) => {
      // Stamped on arrival, not when the serial queue gets to it: heartbeats that arrive in between already count.
      const received = { mono: this.clock.monotonic(), wall: this.clock.now() };
      void this.#serially(() => this.#onReport(command, report, received));
    });
  }

  onFinished(listener: (operation: OperationRow) => void): void {
    this.#finishedListeners.push(listener);
  }

  /** Takes over every unfinished operation: raises its epoch (fencing off any older driver) and resumes it. */
  async start(): Promise<void> {
    await this.#serially(async () => {
      for (const row of await this.repository.active(this.db)) {
        const steps = await this.repository.steps(this.db, row.id);
        const taken = await this.transactor.run(
          this.#meta(row),
          { action: 'operation.resume', targetType: 'operation', targetId: row.id, args: { epoch: row.epoch + 1 } },
          (work) => this.repository.update(work.tx, row.id, { epoch: row.epoch + 1 }),
        );
        this.#track(taken, steps);
      }
    });
    this.#timer = setInterval(() => this.kick(), this.options.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#queue;
  }

  /** Starts driving a newly created operation. */
  track(row: OperationRow, steps: StepRow[]): void {
    this.#track(row, steps);
    this.kick();
  }

  /** Asks for a pass over all operations soon; passes never overlap. */
  kick(): void {
    if (this.#kickPending || this.#stopped) return;
    this.#kickPending = true;
    void this.#serially(async () => {
      this.#kickPending = false;
      await this.#pass();
    });
  }

  /** One pass now, and wait for it (tests and benchmarks drive the engine with this). */
  tick(): Promise<void> {
    return this.#serially(() => this.#pass());
  }

  /** Applies a person's control action to an operation in memory and storage, in order with the engine's own decisions. */
  control<T>(operationId: string, change: (active: Active | undefined) => Promise<T>): Promise<T> {
    const result = this.#serially(() => change(this.#active.get(operationId)));
    result.then(
      () => this.kick(),
      () => this.kick(),
    );
    return result;
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch((error) => {
      if (!(error instanceof DomainError)) this.logger.error({ err: error }, 'operations engine step failed');
    });
    return result;
  }

  #track(row: OperationRow, steps: StepRow[]): void {
    const now = this.clock.monotonic();
    const wall = this.clock.now().getTime();
    const mono = (date: Date | null) => (date ? now - Math.max(0, wall - date.getTime()) : now);
    const active: Active = {
      row,
      steps,
      managers: managersCount(steps),
      dispatchedMono: new Map(steps.filter((step) => step.dispatchedAt).map((step) => [step.id, mono(step.dispatchedAt)])),
      restartedMono: new Map(steps.filter((step) => step.restartedAt).map((step) => [step.id, mono(step.restartedAt)])),
      lastProgressMono: mono(row.lastProgressAt),
      batchFinishedMono: new Map(),
    };
    this.#active.set(row.id, active);
  }

  async #pass(): Promise<void> {
    for (const active of [...this.#active.values()]) {
      try {
        await this.#advance(active);
      } catch (error) {
        this.logger.error({ err: error, operation: active.row.id }, 'could not advance an operation');
      }
    }
  }

  #meta(row: OperationRow): RequestMeta {
    return { actor: { type: 'SYSTEM', name: 'operations-engine' }, requestId: `operation:${row.id}` };
  }

  async #advance(active: Active): Promise<void> {
    const { strategy } = active.row;
    const now = this.clock.monotonic();

    for (const step of active.steps.filter((candidate) => IN_FLIGHT.includes(candidate.state))) {
      const { reachable, nodes } = this.liveness.conditions(step.clusterId);
      const node = nodes.find((candidate) => candidate.nodeId === step.nodeId);
      const dispatched = active.dispatchedMono.get(step.id) ?? now;
      if (!reachable) {
        await this.#finishStep(active, step, 'FAILED', `the manager of ${step.clusterName} is unreachable`);
      } else if (!node || node.status !== 'MAINTENANCE') {
        await this.#finishStep(active, step, 'FAILED', `${step.nodeName} left maintenance as ${node?.status ?? 'gone'} before it was healthy`);
      } else if (step.state === 'RESTARTED' && healthyForMs(node, active.restartedMono.get(step.id) ?? now, now) >= strategy.minHealthyTimeMs) {
        await this.#finishStep(active, step, 'SUCCEEDED', `healthy for ${Math.round(healthyForMs(node, active.restartedMono.get(step.id) ?? now, now) / 1000)} s after its restart`);
      } else if (now - dispatched > strategy.healthyDeadlineMs) {
        await this.#finishStep(active, step, 'TIMED_OUT', `not healthy within healthyDeadline (${strategy.healthyDeadlineMs / 1000} s)`);
      }
    }

    const steps = active.steps;
    const failures = steps.filter((step) => STEP_FAILED.includes(step.state));
    const inFlight = steps.filter((step) => IN_FLIGHT.includes(step.state));
    const pending = steps.filter((step) => step.state === 'PENDING');
    const progressExpired = now - active.lastProgressMono > strategy.progressDeadlineMs;
    const abort = failures.some((step) => step.canary)
      ? { state: 'FAILED' as const, reason: `canary ${failures.find((step) => step.canary)?.nodeName} failed; no other node was touched` }
      : failures.length > strategy.maxFailures
        ? { state: 'FAILED' as const, reason: `${counted(failures.length, 'failed step')}, more than maxFailures (${strategy.maxFailures})` }
        : progressExpired
          ? { state: 'TIMED_OUT' as const, reason: `no node became healthy within progressDeadline (${strategy.progressDeadlineMs / 1000} s)` }
          : active.row.cancelRequested
            ? { state: 'CANCELLED' as const, reason: 'cancelled' }
            : null;

    if (abort) {
      if (pending.length > 0) await this.#cancelPending(active, pending, `not started: ${abort.reason}`);
      if (abort.state === 'TIMED_OUT') {
        for (const step of inFlight) await this.#finishStep(active, step, 'TIMED_OUT', abort.reason);
      }
      const stillRunning = active.steps.filter((step) => IN_FLIGHT.includes(step.state)).length;
      if (stillRunning === 0) await this.#finish(active, abort.state, abort.reason);
      else await this.#setState(active, active.row.state === 'PAUSED' ? 'PAUSED' : 'RUNNING', `${abort.reason}; finishing ${counted(stillRunning, 'step')} in flight`);
      return;
    }
    if (pending.length === 0 && inFlight.length === 0) {
      await this.#finish(active, 'SUCCEEDED', failures.length ? `done; ${counted(failures.length, 'failure')} tolerated (maxFailures ${strategy.maxFailures})` : 'done');
      return;
    }
    if (active.row.state === 'PAUSED' || active.row.state === 'AWAITING_PROMOTION') return;

    const batch = Math.min(...steps.filter((step) => !STEP_DONE.includes(step.state)).map((step) => step.batch));
    const batchStarted = steps.some((step) => step.batch === batch && step.state !== 'PENDING');
    if (batch > 0 && !batchStarted) {
      if (!active.batchFinishedMono.has(batch - 1)) active.batchFinishedMono.set(batch - 1, now);
      const afterCanaries = strategy.canary > 0 && steps.filter((step) => step.batch < batch).every((step) => step.canary);
      if (afterCanaries && !active.row.promoted && !strategy.autoPromote) {
        await this.#setState(active, 'AWAITING_PROMOTION', 'the canaries are healthy; promote the operation to continue');
        return;
      }
      const pauseUntil = (active.batchFinishedMono.get(batch - 1) as number) + strategy.pauseBetweenBatchesMs;
      if (now < pauseUntil) {
        await this.#setState(active, 'WAITING', `pausing ${Math.ceil((pauseUntil - now) / 1000)} s before batch ${batch + 1}`);
        return;
      }
    }

    const refusals = new Map<string, BudgetAnswer>();
    for (const step of byPosition(pending.filter((candidate) => candidate.batch === batch))) {
      const refusal = await this.#dispatch(active, step);
      if (refusal) refusals.set(step.id, refusal);
    }
    const heldByBudget = [...refusals].filter(([, refusal]) => refusal.blockedBy === 'BUDGET').map(([id]) => id);
    // Canaries go first and alone, so nothing joins their batch; any later batch may take in a node that failed after the plan was made.
    if (heldByBudget.length > 0 && !(strategy.canary > 0 && batch === 0)) await this.#restartFailedFirst(active, batch, heldByBudget);
    const blocked = byPosition(active.steps.filter((step) => step.state === 'PENDING' && step.batch === batch)).find((step) => refusals.has(step.id));
    const reason = blocked ? refusals.get(blocked.id)?.reason : null;
    const running = active.steps.filter((step) => IN_FLIGHT.includes(step.state)).length;
    if (running > 0) await this.#setState(active, 'RUNNING', reason ? `batch ${batch + 1}: ${reason}` : `batch ${batch + 1} in progress`);
    else await this.#setState(active, 'WAITING', reason ?? 'waiting');
  }

  /**
   * The budget holds back steps of the current batch while later batches hold steps for nodes
   * that have failed since the plan was made. Restarting those takes no budget and heals the
   * cluster, so each takes the place (batch and position) of a held-back step, which takes its
   * place in turn: batches keep their size and still run one after another (I4).
   */
  async #restartFailedFirst(active: Active, batch: number, heldByBudget: string[]): Promise<void> {
    const held = byPosition(active.steps.filter((step) => heldByBudget.includes(step.id)));
    const statuses = new Map<string, Map<string, NodeStatus>>();
    const statusOf = (step: StepRow) => {
      if (!statuses.has(step.clusterId)) statuses.set(step.clusterId, new Map(this.liveness.conditions(step.clusterId).nodes.map((node) => [node.nodeId, node.status])));
      return statuses.get(step.clusterId)?.get(step.nodeId);
    };
    const failed = byPosition(active.steps.filter((step) => step.state === 'PENDING' && step.batch > batch)).filter((step) => {
      const status = statusOf(step);
      return status !== undefined && hasFailed(status);
    });
    for (const step of failed) {
      const place = held[0];
      if (!place) return;
      if (!(await this.#dispatch(active, step, place))) held.shift();
    }
  }

  /** What the cluster's budget says about restarting a node now (operations.budget.ts). */
  #budget(active: Active, clusterId: string, clusterName: string, stepNodeId: string): BudgetAnswer {
    const budget = active.row.budgets[clusterId] ?? { clusterName, size: 0, maxUnavailable: 1 };
    const { reachable, nodes } = this.liveness.conditions(clusterId);
    return decideBudget({ ...budget, managers: active.managers, reachable, nodes, stepNodeId });
  }

  /**
   * Sends one step if its cluster's budget allows; returns the budget's answer otherwise. With
   * `place`, the step takes that pending step's batch and position, and gives it its own.
   */
  async #dispatch(active: Active, step: StepRow, place?: StepRow): Promise<BudgetAnswer | null> {
    return this.liveness.exclusive(step.clusterId, async () => {
      const answer = this.#budget(active, step.clusterId, step.clusterName, step.nodeId);
      if (!answer.ok) return answer;
      const wall = this.clock.now();
      const updated = await this.transactor.run(
        this.#meta(active.row),
        {
          action: 'operation.step.dispatch',
          targetType: 'node',
          targetId: step.nodeId,
          args: {
            operationId: active.row.id,
            requestedBy: active.row.requestedBy,
            batch: place?.batch ?? step.batch,
            position: place?.position ?? step.position,
            epoch: active.row.epoch,
            budget: answer.reason,
            ...(place ? { inPlaceOf: place.nodeName } : {}),
          },
        },
        async (work) => {
          const moved = place
            ? await this.repository.updateStep(work.tx, place.id, { batch: step.batch, position: step.position, message: `moved after ${step.nodeName}, which failed and is restarted first` })
            : null;
          const command = await this.commands.issue(work, {
            clusterId: step.clusterId,
            nodeId: step.nodeId,
            nodeName: step.nodeName,
            kind: 'RESTART',
            params: { operationId: active.row.id },
            operationId: active.row.id,
            stepId: step.id,
            epoch: active.row.epoch,
          });
          await this.liveness.enterMaintenance(work, step.clusterId, [step.nodeId], active.row.id);
          const row = await this.repository.updateStep(work.tx, step.id, {
            state: 'DISPATCHED',
            commandId: command.id,
            attempts: step.attempts + 1,
            dispatchedAt: wall,
            message: `restart sent to the manager of ${step.clusterName}`,
            ...(place ? { batch: place.batch, position: place.position } : {}),
          });
          const operation = active.row.startedAt ? active.row : await this.repository.update(work.tx, active.row.id, { startedAt: wall });
          if (moved) work.emit(stepEvent(operation, moved));
          work.emit(stepEvent(operation, row));
          return { row, moved, operation };
        },
      );
      active.row = updated.operation;
      this.#replaceSteps(active, updated.moved ? [updated.row, updated.moved] : [updated.row]);
      active.dispatchedMono.set(step.id, this.clock.monotonic());
      return null;
    });
  }

  async #finishStep(active: Active, step: StepRow, state: StepState, message: string): Promise<void> {
    const wall = this.clock.now();
    const updated = await this.liveness.exclusive(step.clusterId, () =>
      this.transactor.run(
        this.#meta(active.row),
        { action: 'operation.step.finish', targetType: 'node', targetId: step.nodeId, args: { operationId: active.row.id, state, message } },
        async (work) => {
          if (step.commandId && state !== 'SUCCEEDED') await this.commands.cancel(work.tx, step.commandId, message);
          await this.liveness.exitMaintenance(work, step.clusterId, [step.nodeId], active.row.id);
          const row = await this.repository.updateStep(work.tx, step.id, {
            state,
            message,
            finishedAt: wall,
            ...(state === 'SUCCEEDED' ? { healthyAt: wall } : {}),
          });
          const operation = state === 'SUCCEEDED' ? await this.repository.update(work.tx, active.row.id, { lastProgressAt: wall }) : active.row;
          work.emit(stepEvent(operation, row));
          return { row, operation };
        },
      ),
    );
    active.row = updated.operation;
    this.#replaceStep(active, updated.row);
    if (state === 'SUCCEEDED') active.lastProgressMono = this.clock.monotonic();
  }

  async #cancelPending(active: Active, steps: StepRow[], message: string): Promise<void> {
    const wall = this.clock.now();
    await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.steps.cancel', targetType: 'operation', targetId: active.row.id, args: { steps: steps.length, message } },
      async (work) => {
        await this.repository.updateSteps(work.tx, steps.map((step) => step.id), { state: 'CANCELLED', message, finishedAt: wall });
        for (const step of steps) work.emit(stepEvent(active.row, { ...step, state: 'CANCELLED', message, finishedAt: wall }));
      },
    );
    this.#replaceSteps(active, steps.map((step) => ({ ...step, state: 'CANCELLED' as const, message, finishedAt: wall })));
  }

  async #setState(active: Active, state: OperationState, reason: string): Promise<void> {
    if (active.row.state === state && active.row.stateReason === reason) return;
    // A changing reason alone is not worth an audit row; a change of state is.
    const audited = active.row.state !== state;
    active.row = await this.transactor.run(
      audited ? this.#meta(active.row) : null,
      audited ? { action: 'operation.state', targetType: 'operation', targetId: active.row.id, args: { state, reason } } : null,
      async (work) => {
        const row = await this.repository.update(work.tx, active.row.id, { state, stateReason: reason });
        work.emit(operationEvent(row, counts(active.steps)));
        return row;
      },
    );
  }

  async #finish(active: Active, state: OperationState, reason: string): Promise<void> {
    const wall = this.clock.now();
    active.row = await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.finish', targetType: 'operation', targetId: active.row.id, args: { state, reason, requestedBy: active.row.requestedBy } },
      async (work) => {
        const row = await this.repository.update(work.tx, active.row.id, { state, stateReason: reason, finishedAt: wall });
        work.emit(operationEvent(row, counts(active.steps)));
        return row;
      },
    );
    this.#active.delete(active.row.id);
    this.logger.info({ operation: active.row.id, state, reason }, 'operation finished');
    for (const listener of this.#finishedListeners) listener(active.row);
  }

  #replaceStep(active: Active, step: StepRow): void {
    this.#replaceSteps(active, [step]);
  }

  /** All in one pass: replacing thousands of steps one at a time costs a pass over all steps each. */
  #replaceSteps(active: Active, steps: StepRow[]): void {
    const replacements = new Map(steps.map((step) => [step.id, step]));
    active.steps = active.steps.map((candidate) => replacements.get(candidate.id) ?? candidate);
  }

  async #onReport(command: CommandRow, report: CommandReport, received: { mono: number; wall: Date }): Promise<void> {
    const active = command.operationId ? this.#active.get(command.operationId) : undefined;
    const step = active?.steps.find((candidate) => candidate.id === command.stepId);
    if (!active || !step || step.commandId !== command.id || !IN_FLIGHT.includes(step.state) || report.state === 'RUNNING') return;
    if (report.state === 'SUCCEEDED' && step.state === 'DISPATCHED') {
      const updated = await this.transactor.run(
        this.#meta(active.row),
        { action: 'operation.step.restarted', targetType: 'node', targetId: step.nodeId, args: { operationId: active.row.id, message: report.message } },
        async (work) => {
          const row = await this.repository.updateStep(work.tx, step.id, {
            state: 'RESTARTED',
            restartedAt: received.wall,
            message: `${report.message ?? 'restarted'}; waiting for it to stay healthy`,
          });
          work.emit(stepEvent(active.row, row));
          return row;
        },
      );
      active.restartedMono.set(step.id, received.mono);
      this.#replaceStep(active, updated);
    } else if (report.state === 'REJECTED' && /stale epoch/.test(report.message ?? '')) {
      await this.#reissue(active, step);
    } else if (report.state === 'FAILED' || report.state === 'REJECTED') {
      await this.#finishStep(active, step, 'FAILED', `${report.state.toLowerCase()} by the manager: ${report.message ?? ''}`);
    }
    this.kick();
  }

  /** The agent refused an older epoch's command without running it; send the step again under the current epoch. */
  async #reissue(active: Active, step: StepRow): Promise<void> {
    const updated = await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.step.reissue', targetType: 'node', targetId: step.nodeId, args: { operationId: active.row.id, epoch: active.row.epoch } },
      async (work: UnitOfWork) => {
        const command = await this.commands.issue(work, {
          clusterId: step.clusterId,
          nodeId: step.nodeId,
          nodeName: step.nodeName,
          kind: 'RESTART',
          params: { operationId: active.row.id },
          operationId: active.row.id,
          stepId: step.id,
          epoch: active.row.epoch,
        });
        const row = await this.repository.updateStep(work.tx, step.id, { commandId: command.id, attempts: step.attempts + 1, message: 'sent again under the current epoch' });
        work.emit(stepEvent(active.row, row));
        return row;
      },
    );
    this.#replaceStep(active, updated);
  }

  isTerminal(state: OperationState): boolean {
    return TERMINAL_OPERATION.includes(state);
  }
}
