import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, pageInMemory, toPage } from '../../shared/pagination.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId, validateName, validateText } from '../../shared/validation.ts';
import type { OperationInput, OperationsService } from '../operations/operations.service.ts';
import type { StrategyInput } from '../operations/operations.strategy.ts';
import { targetInput } from '../targets/targets.rules.ts';
import type { Target } from '../targets/targets.types.ts';
import { CronSchedule } from './schedules.cron.ts';
import type { SchedulesRepository } from './schedules.repository.ts';
import type { OverlapPolicy, ScheduleRow, ScheduleRunRow } from './schedules.table.ts';

export interface ScheduleInput {
  name: string;
  cron: string;
  timezone: string;
  operation: OperationInput;
  overlapPolicy?: OverlapPolicy | null;
  startingDeadlineMs?: number | null;
  enabled?: boolean | null;
}

const DEFAULT_STARTING_DEADLINE_MS = 15 * 60_000;

/** A baseline as enforcement needs it: what it is called and which nodes it is for now. */
export interface EnforcedBaseline {
  id: string;
  name: string;
  target: Target;
}

/** Where schedules learn of baselines (wired in services.ts). */
export interface BaselineDirectory {
  find(idOrName: string): Promise<EnforcedBaseline | undefined>;
}

export interface EnforcementInput {
  cron: string;
  timezone: string;
  strategy?: StrategyInput | null;
  enabled?: boolean | null;
}

/** The schedule that enforces a baseline is named after it, so that it reads plainly among the others. */
export const enforcementScheduleName = (baselineName: string) => `enforce-${baselineName}`;

export class SchedulesService {
  constructor(
    private readonly db: Database,
    private readonly repository: SchedulesRepository,
    private readonly operations: OperationsService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly baselines: BaselineDirectory,
  ) {}

  /**
   * Keeps a baseline enforced: on the given cron timetable the OC opens a DEPLOY of the nodes the
   * baseline is for, whenever some of them have drifted (a run with nothing to change is recorded
   * SKIPPED), never two at a time (a run while the last one is going is SKIPPED). Saved as a
   * schedule named enforce-<baseline>; calling it again changes that schedule.
   */
  async enforce(meta: RequestMeta, baselineRef: string, input: EnforcementInput): Promise<ScheduleRow> {
    const baseline = await this.#baseline(baselineRef);
    const existing = await this.enforcementOf(baseline.id);
    const schedule: ScheduleInput = {
      name: existing?.name ?? enforcementScheduleName(baseline.name),
      cron: input.cron,
      timezone: input.timezone,
      operation: {
        kind: 'DEPLOY',
        target: targetInput(baseline.target),
        strategy: input.strategy,
        description: `keeps baseline ${baseline.name} enforced`,
        deploy: { itemIds: null },
      },
      overlapPolicy: 'SKIP',
      enabled: input.enabled ?? true,
    };
    return existing ? this.update(meta, existing.id, schedule, baseline.id) : this.create(meta, schedule, baseline.id);
  }

  /** Stops enforcing a baseline: its schedule is deleted (its past runs and operations stay). */
  async stopEnforcing(meta: RequestMeta, baselineRef: string): Promise<ScheduleRow> {
    const baseline = await this.#baseline(baselineRef);
    const existing = await this.enforcementOf(baseline.id);
    if (!existing) throw new NotFoundError('enforcement of baseline', baseline.name);
    return this.remove(meta, existing.id);
  }

  /** Deletes a baseline's enforcement schedule with the baseline, in its transaction. */
  async removeEnforcement(work: UnitOfWork, baselineId: string): Promise<void> {
    const schedule = (await this.repository.all(work.tx)).find((row) => row.template.enforces?.baselineId === baselineId);
    if (schedule) await this.repository.delete(work.tx, schedule.id);
  }

  /** The schedule that enforces a baseline, if one does. */
  async enforcementOf(baselineId: string): Promise<ScheduleRow | undefined> {
    return (await this.repository.all(this.db)).find((row) => row.template.enforces?.baselineId === baselineId);
  }

  async #baseline(reference: string): Promise<EnforcedBaseline> {
    const baseline = await this.baselines.find(validateText(reference, 'baseline', 200));
    if (!baseline) throw new NotFoundError('baseline', reference);
    return baseline;
  }

  /** The next run times of a cron expression in a time zone, to show before saving. */
  preview(cron: string, timezone: string, count: number): Date[] {
    if (!Number.isInteger(count) || count < 1 || count > 50) throw new ValidationError('INVALID_ARGUMENT', 'count must be from 1 to 50.', 'count');
    return new CronSchedule(cron, timezone).next(this.clock.now(), count);
  }

  async create(meta: RequestMeta, input: ScheduleInput, enforcedBaselineId: string | null = null): Promise<ScheduleRow> {
    const values = await this.#values(input, enforcedBaselineId);
    return this.transactor.run(meta, { action: 'schedule.create', targetType: 'schedule', args: values }, async (work) => {
      if (await this.repository.findByName(work.tx, values.name)) throw new ConflictError('NAME_TAKEN', `A schedule named "${values.name}" already exists.`);
      const now = this.clock.now();
      const row = await this.repository.insert(work.tx, { ...values, createdBy: actorName(meta.actor), createdAt: now, updatedAt: now, evaluatedUntil: now });
      work.target(row.id);
      return row;
    });
  }

  async update(meta: RequestMeta, id: string, input: ScheduleInput, enforcedBaselineId: string | null = null): Promise<ScheduleRow> {
    const scheduleId = validateId(id);
    const values = await this.#values(input, enforcedBaselineId);
    return this.transactor.run(meta, { action: 'schedule.update', targetType: 'schedule', targetId: scheduleId, args: values }, async (work) => {
      const existing = await this.repository.find(work.tx, scheduleId);
      if (!existing) throw new NotFoundError('schedule', scheduleId);
      const named = await this.repository.findByName(work.tx, values.name);
      if (named && named.id !== scheduleId) throw new ConflictError('NAME_TAKEN', `A schedule named "${values.name}" already exists.`);
      // A changed timetable starts from now: no runs are owed under the new one.
      const retimed = existing.cron !== values.cron || existing.timezone !== values.timezone || (!existing.enabled && values.enabled);
      // Edited as a plain schedule, an enforcement schedule still enforces its baseline.
      const enforces = values.template.enforces ?? existing.template.enforces ?? null;
      return (await this.repository.update(work.tx, scheduleId, {
        ...values,
        template: { ...values.template, enforces },
        updatedAt: this.clock.now(),
        ...(retimed ? { evaluatedUntil: this.clock.now() } : {}),
      })) as ScheduleRow;
    });
  }

  async remove(meta: RequestMeta, id: string): Promise<ScheduleRow> {
    const scheduleId = validateId(id);
    return this.transactor.run(meta, { action: 'schedule.delete', targetType: 'schedule', targetId: scheduleId }, async (work) => {
      const existing = await this.repository.find(work.tx, scheduleId);
      if (!existing) throw new NotFoundError('schedule', scheduleId);
      await this.repository.delete(work.tx, scheduleId);
      return existing;
    });
  }

  async setEnabled(meta: RequestMeta, id: string, enabled: boolean): Promise<ScheduleRow> {
    const scheduleId = validateId(id);
    return this.transactor.run(
      meta,
      { action: enabled ? 'schedule.enable' : 'schedule.disable', targetType: 'schedule', targetId: scheduleId },
      async (work) => {
        const existing = await this.repository.find(work.tx, scheduleId);
        if (!existing) throw new NotFoundError('schedule', scheduleId);
        const now = this.clock.now();
        return (await this.repository.update(work.tx, scheduleId, {
          enabled,
          updatedAt: now,
          ...(enabled && !existing.enabled ? { evaluatedUntil: now } : {}),
        })) as ScheduleRow;
      },
    );
  }

  /** Scheduled times decided MISSED since `since` (for alerts). */
  missedSince(since: Date) {
    return this.repository.missedSince(this.db, since);
  }

  find(id: string): Promise<ScheduleRow | undefined> {
    return this.repository.find(this.db, validateId(id));
  }

  async list(pageArgs: PageArgs): Promise<Page<ScheduleRow>> {
    const request = checkPage(pageArgs, 1);
    return pageInMemory(
      await this.repository.all(this.db),
      request,
      (row) => [row.name],
      (a, b) => String(a[0]).localeCompare(String(b[0])),
    );
  }

  async runs(scheduleId: string, pageArgs: PageArgs): Promise<Page<ScheduleRunRow>> {
    const request = checkPage(pageArgs, 1);
    const rows = await this.repository.runs(this.db, scheduleId, request.first + 1, request.after ? String(request.after[0]) : null);
    return toPage(
      rows,
      request,
      (row) => [row.scheduledFor.toISOString()],
      () => this.repository.countRuns(this.db, scheduleId),
    );
  }

  nextRuns(row: ScheduleRow, count: number): Date[] {
    return row.enabled ? new CronSchedule(row.cron, row.timezone).next(this.clock.now(), count) : [];
  }

  async #values(input: ScheduleInput, enforcedBaselineId: string | null) {
    const name = validateName(input.name, 'name');
    const cron = validateText(input.cron.trim(), 'cron', 120);
    const timezone = validateText(input.timezone.trim(), 'timezone', 60);
    new CronSchedule(cron, timezone);
    const startingDeadlineMs = input.startingDeadlineMs ?? DEFAULT_STARTING_DEADLINE_MS;
    if (!Number.isInteger(startingDeadlineMs) || startingDeadlineMs < 1000 || startingDeadlineMs > 86_400_000)
      throw new ValidationError('INVALID_ARGUMENT', 'startingDeadline must be from 1s to 24h.', 'startingDeadline');
    // Checked now, so a broken template is refused when saved rather than when it fires.
    const plan = await this.operations.plan(input.operation);
    return {
      name,
      cron,
      timezone,
      template: {
        kind: plan.kind,
        target: plan.target,
        strategy: input.operation.strategy ?? {},
        description: plan.description,
        deploy: plan.deploy,
        enforces: enforcedBaselineId ? { baselineId: enforcedBaselineId } : null,
      },
      overlapPolicy: input.overlapPolicy ?? 'SKIP',
      startingDeadlineMs,
      enabled: input.enabled ?? true,
    };
  }
}
