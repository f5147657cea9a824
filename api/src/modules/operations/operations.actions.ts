import { counted } from '@opscenter/agent/shared/text';
import type { Clock } from '../../clock.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import type { CommandsService } from '../commands/commands.service.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import { managersCount } from './operations.budget.ts';
import { counts, type DispatchDecision, type OperationProgress, stepBudget } from './operations.decide.ts';
import { deployParams, describeChange } from './operations.deploy.ts';
import { operationEvent, stepEvent } from './operations.events.ts';
import type { OperationsRepository } from './operations.repository.ts';
import type { OperationRow, OperationState, StepRow, StepState } from './operations.table.ts';

/** What a step's command does, for its message. */
function sentWhat(operation: OperationRow, step: StepRow): string {
  if (operation.kind !== 'DEPLOY' || !step.change) return 'restart';
  return step.phase === 'ROLLBACK' ? 'revert' : `deploy (${describeChange(step.change)})`;
}

/** An operation being driven: its progress, with the timings kept up to date as its steps change. */
export interface ActiveOperation extends OperationProgress {
  dispatchedMono: Map<string, number>;
  restartedMono: Map<string, number>;
  batchFinishedMono: Map<number, number>;
}

/**
 * Carries out the engine's decisions: each change to an operation or its steps is stored in one
 * transaction with its audit row and events, then applied to the engine's copy. The only place
 * that issues an operation's commands (#send).
 */
export class OperationActions {
  constructor(
    private readonly repository: OperationsRepository,
    private readonly commands: CommandsService,
    private readonly liveness: LivenessService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
  ) {}

  /** An operation to drive, its stored times turned into monotonic ones by the wall-clock time since (a time ahead of the clock counts as now). */
  track(row: OperationRow, steps: StepRow[]): ActiveOperation {
    const now = this.clock.monotonic();
    const wall = this.clock.now().getTime();
    const mono = (date: Date | null) => (date ? now - Math.max(0, wall - date.getTime()) : now);
    return {
      row,
      steps,
      managers: managersCount(steps),
      dispatchedMono: new Map(steps.filter((step) => step.dispatchedAt).map((step) => [step.id, mono(step.dispatchedAt)])),
      restartedMono: new Map(steps.filter((step) => step.restartedAt).map((step) => [step.id, mono(step.restartedAt)])),
      lastProgressMono: mono(row.lastProgressAt),
      batchFinishedMono: new Map(),
    };
  }

  /** Raises an unfinished operation's epoch as this engine takes it over, fencing off any older driver (I8). */
  takeOver(row: OperationRow): Promise<OperationRow> {
    return this.transactor.run(
      this.#meta(row),
      { action: 'operation.resume', targetType: 'operation', targetId: row.id, args: { epoch: row.epoch + 1 } },
      (work) => this.repository.update(work.tx, row.id, { epoch: row.epoch + 1 }),
    );
  }

  /**
   * Sends a step that decide chose, if its cluster's budget still allows it under the cluster's
   * lock: heartbeats are taken in outside the engine's queue and may have changed it since (I1).
   */
  async dispatch(active: ActiveOperation, { step, inPlaceOf: place }: DispatchDecision): Promise<boolean> {
    return this.liveness.exclusive(step.clusterId, async () => {
      const answer = stepBudget(active, step, this.liveness.conditions(step.clusterId));
      if (!answer.ok) return false;
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
            ? await this.repository.updateStep(work.tx, place.id, {
                batch: step.batch,
                position: step.position,
                message: `moved after ${step.nodeName}, which failed and is restarted first`,
              })
            : null;
          const command = await this.#send(work, active.row, step);
          await this.liveness.enterMaintenance(work, step.clusterId, [step.nodeId], active.row.id);
          const row = await this.repository.updateStep(work.tx, step.id, {
            state: 'DISPATCHED',
            commandId: command.id,
            attempts: step.attempts + 1,
            dispatchedAt: wall,
            message: `${sentWhat(active.row, step)} sent to the manager of ${step.clusterName}`,
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
      return true;
    });
  }

  /** The one place that issues a step's command, under the operation's current epoch (I8): a restart, a deploy of the step's change, or its revert. */
  #send(work: UnitOfWork, operation: OperationRow, step: StepRow) {
    const addressed = {
      clusterId: step.clusterId,
      nodeId: step.nodeId,
      nodeName: step.nodeName,
      operationId: operation.id,
      stepId: step.id,
      epoch: operation.epoch,
    };
    const gate = { minHealthyTimeMs: operation.strategy.minHealthyTimeMs, healthyDeadlineMs: operation.strategy.healthyDeadlineMs };
    if (operation.kind !== 'DEPLOY' || !step.change) return this.commands.issue(work, { ...addressed, kind: 'RESTART', params: { operationId: operation.id } });
    if (step.phase === 'ROLLBACK')
      return this.commands.issue(work, { ...addressed, kind: 'REVERT', params: { operationId: operation.id, restart: step.change.restart, ...gate } });
    return this.commands.issue(work, { ...addressed, kind: 'DEPLOY', params: deployParams(operation.id, step.change, operation.strategy) });
  }

  /**
   * rollbackOnFailure: adds a ROLLBACK step for each node the failed DEPLOY changed, after all its
   * batches and in the order given, maxParallel to a batch; the engine runs them like any other
   * steps, under the same budgets.
   */
  async rollback(active: ActiveOperation, steps: StepRow[], reason: string): Promise<void> {
    const lastBatch = Math.max(...active.steps.map((step) => step.batch));
    const lastPosition = Math.max(...active.steps.map((step) => step.position));
    const { maxParallel } = active.row.strategy;
    const stateReason = `${reason}; rolling back ${counted(steps.length, 'node')}`;
    const updated = await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.rollback', targetType: 'operation', targetId: active.row.id, args: { reason, nodes: steps.map((step) => step.nodeName) } },
      async (work) => {
        const added = await this.repository.insertSteps(
          work.tx,
          steps.map((step, index) => ({
            operationId: active.row.id,
            batch: lastBatch + 1 + Math.floor(index / maxParallel),
            position: lastPosition + 1 + index,
            clusterId: step.clusterId,
            clusterName: step.clusterName,
            nodeId: step.nodeId,
            nodeName: step.nodeName,
            role: step.role,
            phase: 'ROLLBACK' as const,
            change: step.change,
            message: `to undo the change of step ${step.position + 1}`,
          })),
        );
        const row = await this.repository.update(work.tx, active.row.id, { state: 'RUNNING', stateReason });
        for (const step of added) work.emit(stepEvent(row, step));
        work.emit(operationEvent(row, counts([...active.steps, ...added])));
        return { row, added };
      },
    );
    active.row = updated.row;
    active.steps = [...active.steps, ...updated.added];
  }

  async finishStep(active: ActiveOperation, step: StepRow, state: StepState, message: string): Promise<void> {
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

  async cancelPending(active: ActiveOperation, steps: StepRow[], message: string): Promise<void> {
    const wall = this.clock.now();
    await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.steps.cancel', targetType: 'operation', targetId: active.row.id, args: { steps: steps.length, message } },
      async (work) => {
        await this.repository.updateSteps(
          work.tx,
          steps.map((step) => step.id),
          { state: 'CANCELLED', message, finishedAt: wall },
        );
        for (const step of steps) work.emit(stepEvent(active.row, { ...step, state: 'CANCELLED', message, finishedAt: wall }));
      },
    );
    this.#replaceSteps(
      active,
      steps.map((step) => ({ ...step, state: 'CANCELLED' as const, message, finishedAt: wall })),
    );
  }

  async setState(active: ActiveOperation, state: OperationState, reason: string): Promise<void> {
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

  async finish(active: ActiveOperation, state: OperationState, reason: string): Promise<void> {
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
  }

  /** The manager restarted the node: from now on its heartbeats count towards minHealthyTime. */
  async restarted(active: ActiveOperation, step: StepRow, message: string, reported: string | null, received: { mono: number; wall: Date }): Promise<void> {
    const updated = await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.step.restarted', targetType: 'node', targetId: step.nodeId, args: { operationId: active.row.id, message: reported } },
      async (work) => {
        const row = await this.repository.updateStep(work.tx, step.id, { state: 'RESTARTED', restartedAt: received.wall, message });
        work.emit(stepEvent(active.row, row));
        return row;
      },
    );
    active.restartedMono.set(step.id, received.mono);
    this.#replaceStep(active, updated);
  }

  /** The agent refused an older epoch's command without running it; send the step again under the current epoch. */
  async resend(active: ActiveOperation, step: StepRow): Promise<void> {
    const updated = await this.transactor.run(
      this.#meta(active.row),
      { action: 'operation.step.reissue', targetType: 'node', targetId: step.nodeId, args: { operationId: active.row.id, epoch: active.row.epoch } },
      async (work) => {
        const command = await this.#send(work, active.row, step);
        const row = await this.repository.updateStep(work.tx, step.id, {
          commandId: command.id,
          attempts: step.attempts + 1,
          message: 'sent again under the current epoch',
        });
        work.emit(stepEvent(active.row, row));
        return row;
      },
    );
    this.#replaceStep(active, updated);
  }

  #replaceStep(active: ActiveOperation, step: StepRow): void {
    this.#replaceSteps(active, [step]);
  }

  /** All in one pass: replacing thousands of steps one at a time costs a pass over all steps each. */
  #replaceSteps(active: ActiveOperation, steps: StepRow[]): void {
    const replacements = new Map(steps.map((step) => [step.id, step]));
    active.steps = active.steps.map((candidate) => replacements.get(candidate.id) ?? candidate);
  }

  #meta(row: OperationRow): RequestMeta {
    return { actor: { type: 'SYSTEM', name: 'operations-engine' }, requestId: `operation:${row.id}` };
  }
}
