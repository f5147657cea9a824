import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { BaselineRef } from '../baselines/baselines.schema.ts';
import { StrategyInput } from '../operations/operations.inputs.ts';
import { OperationInput, OperationKindEnum, operationFromInput, strategyFromInput } from '../operations/operations.schema.ts';
import type { ScheduleInput } from './schedules.service.ts';
import type { ScheduleRow, ScheduleRunRow } from './schedules.table.ts';

const OverlapPolicyEnum = builder.enumType('OverlapPolicy', {
  description: 'What a schedule does when its previous operation is still running at the next time.',
  values: { SKIP: { description: 'Skip this time (recorded as SKIPPED).' }, QUEUE: { description: 'Start it when the previous one ends.' } },
});

const RunStateEnum = builder.enumType('ScheduleRunState', {
  description: 'What became of one scheduled time.',
  values: {
    STARTED: { description: 'The operation was started (late, if the OC was down at the time but within the starting deadline).' },
    SKIPPED: { description: 'Skipped: the previous operation was still running (overlap policy SKIP).' },
    QUEUED: { description: 'Waiting for the previous operation to end (overlap policy QUEUE).' },
    MISSED: { description: 'The time passed while the OC was down, beyond the starting deadline.' },
    FAILED: { description: 'The operation could not be started (e.g. its target has no nodes any more).' },
  },
});

const ScheduleRunRef = builder.objectRef<ScheduleRunRow>('ScheduleRun').implement({
  description: 'One scheduled time of a schedule, decided exactly once.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    scheduledFor: t.field({ type: 'DateTime', description: 'The scheduled time.', resolve: (run) => run.scheduledFor }),
    state: t.field({ type: RunStateEnum, description: 'What became of it.', resolve: (run) => run.state }),
    operationId: t.exposeID('operationId', { nullable: true, description: 'The operation it started.' }),
    message: t.exposeString('message', { description: 'Details.' }),
    decidedAt: t.field({ type: 'DateTime', description: 'When the OC decided it.', resolve: (run) => run.createdAt }),
  }),
});

const ScheduleRunConnection = connectionOf('ScheduleRun', ScheduleRunRef, 'schedule run');

const ScheduleRef = builder.objectRef<ScheduleRow>('Schedule').implement({
  description: 'An operation that runs on a cron schedule in a time zone, e.g. a rolling restart every night at midnight in Europe/London.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique name.' }),
    cron: t.exposeString('cron', { description: 'The cron expression (5 fields, or 6 with seconds).' }),
    timezone: t.exposeString('timezone', { description: 'The IANA time zone the expression is read in.' }),
    kind: t.field({ type: OperationKindEnum, description: 'The operation it runs.', resolve: (schedule) => schedule.template.kind }),
    operation: t.field({
      type: 'JSONObject',
      description: 'The operation template (kind, target, strategy).',
      resolve: (schedule) => ({ ...schedule.template }),
    }),
    overlapPolicy: t.field({ type: OverlapPolicyEnum, description: 'When the previous run is still going.', resolve: (schedule) => schedule.overlapPolicy }),
    enforces: t.field({
      type: BaselineRef,
      nullable: true,
      description: 'The baseline this schedule keeps enforced (its DEPLOY runs on the baseline’s target as it is when it fires), or null.',
      resolve: async (schedule, _args, context) =>
        schedule.template.enforces ? ((await context.services.baselines.find(schedule.template.enforces.baselineId)) ?? null) : null,
    }),
    startingDeadline: t.field({ type: 'Duration', description: 'How late a run may still start.', resolve: (schedule) => schedule.startingDeadlineMs }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether it fires.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who created it.' }),
    nextRuns: t.field({
      type: ['DateTime'],
      description: 'The next run times (none while disabled).',
      args: { count: t.arg.int({ defaultValue: 5, description: 'How many, 1 to 50.' }) },
      resolve: (schedule, args, context) => context.services.schedules.nextRuns(schedule, Math.min(50, Math.max(1, args.count ?? 5))),
    }),
    runs: t.field({
      type: ScheduleRunConnection,
      description: 'What became of each scheduled time, newest first.',
      args: pageArgs,
      resolve: (schedule, args, context) => context.services.schedules.runs(schedule.id, args),
    }),
  }),
});

const ScheduleConnection = connectionOf('Schedule', ScheduleRef, 'schedule');

const ScheduleInputRef = builder.inputType('ScheduleInput', {
  description: 'A schedule.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name.' }),
    cron: t.string({ required: true, description: 'Cron expression, e.g. "0 0 * * *" for midnight; runs must be a minute apart or more.' }),
    timezone: t.string({ required: true, description: 'IANA time zone, e.g. Europe/London.' }),
    operation: t.field({ type: OperationInput, required: true, description: 'The operation to run each time.' }),
    overlapPolicy: t.field({ type: OverlapPolicyEnum, description: 'SKIP (default) or QUEUE.' }),
    startingDeadline: t.field({ type: 'Duration', description: 'How late a run may still start after an OC outage (default 15m).' }),
    enabled: t.boolean({ description: 'Default true.' }),
  }),
});

const EnforcementInputRef = builder.inputType('EnforcementInput', {
  description: 'When and how the OC keeps a baseline enforced.',
  fields: (t) => ({
    cron: t.string({ required: true, description: 'When to look for drift and deploy, e.g. "*/15 * * * *" for every quarter hour.' }),
    timezone: t.string({ required: true, description: 'IANA time zone the cron expression is read in, e.g. UTC.' }),
    strategy: t.field({ type: StrategyInput, description: 'How each deploy proceeds (the defaults of a DEPLOY otherwise).' }),
    enabled: t.boolean({ description: 'Default true.' }),
  }),
});

builder.objectField(BaselineRef, 'enforcement', (t) =>
  t.field({
    type: ScheduleRef,
    nullable: true,
    description: 'The schedule that keeps this baseline enforced (see enforceBaseline), or null.',
    resolve: async (baseline, _args, context) => (await context.services.schedules.enforcementOf(baseline.id)) ?? null,
  }),
);

type ScheduleArgs = {
  name: string;
  cron: string;
  timezone: string;
  operation: Record<string, unknown> & { strategy?: unknown };
  overlapPolicy?: 'SKIP' | 'QUEUE' | null;
  startingDeadline?: number | null;
  enabled?: boolean | null;
};

function scheduleInput(input: ScheduleArgs): ScheduleInput {
  return {
    ...input,
    operation: operationFromInput(input.operation as unknown as ScheduleInput['operation'] & { strategy?: never; deploy?: never }),
    startingDeadlineMs: input.startingDeadline,
  };
}

builder.queryFields((t) => ({
  schedules: t.field({
    type: ScheduleConnection,
    description: 'Schedules, by name.',
    args: pageArgs,
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.schedules.list(args),
  }),
  schedule: t.field({
    type: ScheduleRef,
    nullable: true,
    description: 'One schedule, or null.',
    args: { id: t.arg.id({ required: true, description: 'The schedule id.' }) },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => (await context.services.schedules.find(String(args.id))) ?? null,
  }),
  previewSchedule: t.field({
    type: ['DateTime'],
    description: 'The next run times of a cron expression in a time zone, to check before saving.',
    args: {
      cron: t.arg.string({ required: true, description: 'The cron expression.' }),
      timezone: t.arg.string({ required: true, description: 'The IANA time zone.' }),
      count: t.arg.int({ defaultValue: 5, description: 'How many, 1 to 50.' }),
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.schedules.preview(args.cron, args.timezone, args.count ?? 5),
  }),
}));

builder.mutationFields((t) => ({
  enforceBaseline: mutation(t, 'baseline.enforce', 'OPERATOR', {
    type: ScheduleRef,
    description:
      'Keeps a baseline enforced, the puppet-like part: on the timetable the OC opens a DEPLOY of the nodes the baseline is for whenever some have drifted, ' +
      'one at a time (a run while the last deploy is going, or with nothing to change, is recorded SKIPPED). Saved as the schedule enforce-<baseline>; ' +
      'calling it again changes that schedule.',
    args: {
      baseline: t.arg.string({ required: true, description: 'The baseline, by name or id.' }),
      input: t.arg({ type: EnforcementInputRef, required: true, description: 'When and how.' }),
    },
    resolve: (meta, args, context) =>
      context.services.schedules.enforce(meta, args.baseline, {
        ...args.input,
        strategy: strategyFromInput(args.input.strategy as Record<string, unknown> | null | undefined),
      }),
  }),
  stopEnforcingBaseline: mutation(t, 'baseline.stopEnforcing', 'OPERATOR', {
    type: ScheduleRef,
    description: 'Stops enforcing a baseline: deletes its enforcement schedule (past runs and their operations stay).',
    args: { baseline: t.arg.string({ required: true, description: 'The baseline, by name or id.' }) },
    resolve: (meta, args, context) => context.services.schedules.stopEnforcing(meta, args.baseline),
  }),
  createSchedule: mutation(t, 'schedule.create', 'OPERATOR', {
    type: ScheduleRef,
    description: 'Creates a schedule. Its operation template is checked now, as if it were to run.',
    args: { input: t.arg({ type: ScheduleInputRef, required: true, description: 'The schedule.' }) },
    resolve: (meta, args, context) => context.services.schedules.create(meta, scheduleInput(args.input as ScheduleArgs)),
  }),
  updateSchedule: mutation(t, 'schedule.update', 'OPERATOR', {
    type: ScheduleRef,
    description: 'Replaces a schedule. A new timetable starts from now.',
    args: {
      id: t.arg.id({ required: true, description: 'The schedule id.' }),
      input: t.arg({ type: ScheduleInputRef, required: true, description: 'The schedule.' }),
    },
    resolve: (meta, args, context) => context.services.schedules.update(meta, String(args.id), scheduleInput(args.input as ScheduleArgs)),
  }),
  setScheduleEnabled: mutation(t, 'schedule.enable', 'OPERATOR', {
    type: ScheduleRef,
    description: 'Enables or disables a schedule. Times that pass while disabled are not owed later.',
    args: { id: t.arg.id({ required: true, description: 'The schedule id.' }), enabled: t.arg.boolean({ required: true, description: 'true to enable.' }) },
    resolve: (meta, args, context) => context.services.schedules.setEnabled(meta, String(args.id), args.enabled),
  }),
  deleteSchedule: mutation(t, 'schedule.delete', 'OPERATOR', {
    type: RemovedRef,
    description: 'Deletes a schedule and its run history (operations it started stay).',
    args: { id: t.arg.id({ required: true, description: 'The schedule id.' }) },
    resolve: (meta, args, context) => context.services.schedules.remove(meta, String(args.id)),
  }),
}));
