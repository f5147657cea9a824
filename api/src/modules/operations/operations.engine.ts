import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { DomainError } from '../../shared/domain-error.ts';
import type { Transactor } from '../../shared/transactor.ts';
import type { CommandReport, CommandsService } from '../commands/commands.service.ts';
import type { CommandRow } from '../commands/commands.types.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import { type ActiveOperation, OperationActions } from './operations.actions.ts';
import { type ClusterConditions, type Conditions, type Decision, decide, decideReport } from './operations.decide.ts';
import { type OperationsRepository, TERMINAL_OPERATION } from './operations.repository.ts';
import type { OperationRow, OperationState, StepRow } from './operations.table.ts';

/** What a person's control action sees of an operation the engine is driving. */
export interface TrackedOperation {
  readonly row: OperationRow;
  readonly steps: readonly StepRow[];
}

export interface EngineOptions {
  tickMs: number;
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
  readonly #active = new Map<string, ActiveOperation>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #kickPending = false;
  #stopped = false;
  readonly #finishedListeners: ((operation: OperationRow) => void)[] = [];
  readonly #actions: OperationActions;

  constructor(
    private readonly db: Database,
    private readonly repository: OperationsRepository,
    commands: CommandsService,
    private readonly liveness: LivenessService,
    transactor: Transactor,
    private readonly clock: Clock,
    private readonly options: EngineOptions,
    private readonly logger: Logger,
  ) {
    this.#actions = new OperationActions(repository, commands, liveness, transactor, clock);
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
        this.#track(await this.#actions.takeOver(row), steps);
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

  /**
   * Applies a person's control action in order with the engine's own decisions: `change` stores
   * it and returns the operation's row as it now is, which the engine drives from then on.
   */
  control(operationId: string, change: (tracked: TrackedOperation | undefined) => Promise<OperationRow>): Promise<OperationRow> {
    const result = this.#serially(async () => {
      const active = this.#active.get(operationId);
      const row = await change(active && { row: active.row, steps: active.steps });
      if (active) active.row = row;
      return row;
    });
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
    this.#active.set(row.id, this.#actions.track(row, steps));
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

  /**
   * Decides and carries out until nothing is left to judge: judging a step takes its node out of
   * maintenance, so the decisions after it need the conditions read again.
   */
  async #advance(active: ActiveOperation): Promise<void> {
    const now = this.clock.monotonic();
    for (;;) {
      const decisions = decide(active, this.#conditions(), now);
      await this.#carryOut(active, decisions);
      if (decisions.length === 0 || decisions.some((decision) => decision.kind !== 'judge' && decision.kind !== 'rollback')) return;
    }
  }

  /** Liveness' conditions of each cluster decide asks about, each read once. */
  #conditions(): Conditions {
    const read = new Map<string, ClusterConditions>();
    return {
      get: (clusterId) => {
        if (!read.has(clusterId)) read.set(clusterId, this.liveness.conditions(clusterId));
        return read.get(clusterId);
      },
    };
  }

  /** Carries out decisions in order, up to a dispatch that the cluster's budget no longer allows. */
  async #carryOut(active: ActiveOperation, decisions: Decision[]): Promise<void> {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'judge':
          await this.#actions.finishStep(active, decision.step, decision.state, decision.message);
          break;
        case 'cancelPending':
          await this.#actions.cancelPending(active, decision.steps, decision.message);
          break;
        case 'rollback':
          await this.#actions.rollback(active, decision.steps, decision.reason);
          break;
        case 'batchFinished':
          active.batchFinishedMono.set(decision.batch, decision.at);
          break;
        case 'dispatch':
          if (!(await this.#actions.dispatch(active, decision))) return;
          break;
        case 'setState':
          await this.#actions.setState(active, decision.state, decision.reason);
          break;
        case 'finish':
          await this.#actions.finish(active, decision.state, decision.reason);
          this.#active.delete(active.row.id);
          this.logger.info({ operation: active.row.id, state: decision.state, reason: decision.reason }, 'operation finished');
          for (const listener of this.#finishedListeners) listener(active.row);
          break;
      }
    }
  }

  async #onReport(command: CommandRow, report: CommandReport, received: { mono: number; wall: Date }): Promise<void> {
    const active = command.operationId ? this.#active.get(command.operationId) : undefined;
    const step = active?.steps.find((candidate) => candidate.id === command.stepId);
    const decision = decideReport(step, command.id, report);
    if (!active || !step || !decision) return;
    if (decision.kind === 'restarted') await this.#actions.restarted(active, step, decision.message, report.message ?? null, received);
    else if (decision.kind === 'resend') await this.#actions.resend(active, step);
    else await this.#actions.finishStep(active, step, decision.state, decision.message);
    this.kick();
  }

  isTerminal(state: OperationState): boolean {
    return TERMINAL_OPERATION.includes(state);
  }
}
