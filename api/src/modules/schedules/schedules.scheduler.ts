import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import { DomainError, NotFoundError } from '../../shared/domain-error.ts';
import { SerialPass } from '../../shared/serial-pass.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { NothingToDeployError } from '../operations/operations.errors.ts';
import type { OperationPlan, OperationsService } from '../operations/operations.service.ts';
import type { OperationRow } from '../operations/operations.types.ts';
import { targetInput } from '../targets/targets.rules.ts';
import type { Target } from '../targets/targets.types.ts';
import { CronSchedule } from './schedules.cron.ts';
import type { SchedulesRepository } from './schedules.repository.ts';
import type { BaselineDirectory } from './schedules.service.ts';
import type { RunState, ScheduleRow } from './schedules.table.ts';

const MAX_RUNS_PER_PASS = 100;

/**
 * Fires schedules. Each (schedule, scheduled time) is decided exactly once: the decision and, when
 * it starts one, the operation are written in one transaction guarded by a unique key, so neither
 * retries nor a crash between "due" and "started" can run it twice. Times that passed while the OC
 * was down start late if still within the schedule's starting deadline, and are recorded MISSED
 * otherwise.
 */
export class Scheduler {
  readonly #passes = new SerialPass(
    () => this.#pass(),
    (error) => this.logger.error({ err: error }, 'scheduler pass failed'),
  );

  constructor(
    private readonly db: Database,
    private readonly repository: SchedulesRepository,
    private readonly operations: OperationsService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly tickMs: number,
    private readonly logger: Logger,
    private readonly baselines: BaselineDirectory,
  ) {}

  start(): void {
    this.#passes.every(this.tickMs);
  }

  stop(): Promise<void> {
    return this.#passes.stop();
  }

  /** A pass that starts after this call, so it sees the clock as it is now. */
  tick(): Promise<void> {
    return this.#passes.run();
  }

  /** An operation of a schedule ended: start the oldest run queued behind it. */
  async operationFinished(operation: OperationRow): Promise<void> {
    if (!operation.scheduleId) return;
    const schedule = await this.repository.find(this.db, operation.scheduleId);
    const queued = schedule ? await this.repository.oldestRun(this.db, schedule.id, 'QUEUED') : undefined;
    if (!schedule || !queued) return;
    await this.#start(schedule, queued.scheduledFor, queued.id);
  }

  async #pass(): Promise<void> {
    const now = this.clock.now();
    for (const schedule of await this.repository.all(this.db)) {
      if (!schedule.enabled) continue;
      try {
        const cron = new CronSchedule(schedule.cron, schedule.timezone);
        for (const scheduledFor of cron.between(schedule.evaluatedUntil, now, MAX_RUNS_PER_PASS)) {
          await this.#decide(schedule, scheduledFor, now);
        }
        if (schedule.evaluatedUntil < now) await this.repository.update(this.db, schedule.id, { evaluatedUntil: now });
      } catch (error) {
        this.logger.error({ err: error, schedule: schedule.name }, 'could not evaluate a schedule');
      }
    }
  }

  /** Where the operation runs: the template's target, or for an enforcement schedule its baseline's target now. */
  async #targetOf(schedule: ScheduleRow): Promise<Target> {
    const enforced = schedule.template.enforces;
    if (!enforced) return schedule.template.target;
    const baseline = await this.baselines.find(enforced.baselineId);
    if (!baseline) throw new NotFoundError('baseline', enforced.baselineId);
    return baseline.target;
  }

  #meta(schedule: ScheduleRow): RequestMeta {
    return { actor: { type: 'SYSTEM', name: `schedule:${schedule.name}` }, requestId: `schedule:${schedule.id}` };
  }

  async #decide(schedule: ScheduleRow, scheduledFor: Date, now: Date): Promise<void> {
    const late = now.getTime() - scheduledFor.getTime();
    if (late > schedule.startingDeadlineMs) {
      await this.#record(schedule, scheduledFor, 'MISSED', `missed by ${Math.round(late / 1000)} s, beyond the starting deadline`);
      return;
    }
    const active = await this.operations.activeOfSchedule(schedule.id);
    if (active.length > 0) {
      const state: RunState = schedule.overlapPolicy === 'QUEUE' ? 'QUEUED' : 'SKIPPED';
      await this.#record(schedule, scheduledFor, state, `operation ${active[0].id} of this schedule is still running`);
      return;
    }
    await this.#start(schedule, scheduledFor, null);
  }

  async #record(schedule: ScheduleRow, scheduledFor: Date, state: RunState, message: string): Promise<void> {
    await this.transactor.run(
      this.#meta(schedule),
      { action: 'schedule.run', targetType: 'schedule', targetId: schedule.id, args: { scheduledFor: scheduledFor.toISOString(), state, message } },
      async (work) => {
        await this.repository.insertRun(work.tx, { scheduleId: schedule.id, scheduledFor, state, message, createdAt: this.clock.now() });
        await this.repository.update(work.tx, schedule.id, { evaluatedUntil: scheduledFor });
      },
    );
  }

  /** Starts the schedule's operation for a scheduled time (a new run, or one that was queued). */
  async #start(schedule: ScheduleRow, scheduledFor: Date, queuedRunId: string | null): Promise<void> {
    const meta = this.#meta(schedule);
    let plan: OperationPlan;
    try {
      plan = await this.operations.plan({ ...schedule.template, target: targetInput(await this.#targetOf(schedule)) });
      this.operations.checkStartable(plan);
    } catch (error) {
      const message = error instanceof DomainError ? error.message : 'unexpected error';
      if (queuedRunId) return;
      if (error instanceof NothingToDeployError) await this.#record(schedule, scheduledFor, 'SKIPPED', message);
      else await this.#record(schedule, scheduledFor, 'FAILED', `could not start: ${message}`);
      return;
    }
    await this.transactor.run(
      meta,
      { action: 'schedule.run', targetType: 'schedule', targetId: schedule.id, args: { scheduledFor: scheduledFor.toISOString(), state: 'STARTED' } },
      async (work) => {
        const runId =
          queuedRunId ??
          (await this.repository.insertRun(work.tx, { scheduleId: schedule.id, scheduledFor, state: 'STARTED', createdAt: this.clock.now() }))?.id;
        // Already decided (another pass or OC got there first): nothing to do.
        if (!runId) return;
        const operation = await this.operations.insert(work, plan, meta, { scheduleId: schedule.id, scheduledFor });
        await this.repository.updateRun(work.tx, runId, { state: 'STARTED', operationId: operation.id, message: `started operation ${operation.id}` });
        if (!queuedRunId) await this.repository.update(work.tx, schedule.id, { evaluatedUntil: scheduledFor });
        this.logger.info({ schedule: schedule.name, scheduledFor, operation: operation.id }, 'schedule started an operation');
      },
    );
  }
}
