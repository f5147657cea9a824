import { boolean, index, integer, jsonb, pgEnum, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { DeploySource } from '../operations/operations.deploy.ts';
import type { StrategyInput } from '../operations/operations.strategy.ts';
import type { OperationKind } from '../operations/operations.table.ts';
import type { Target } from '../targets/targets.types.ts';

export const overlapPolicy = pgEnum('overlap_policy', ['SKIP', 'QUEUE']);
export const runState = pgEnum('schedule_run_state', ['STARTED', 'SKIPPED', 'QUEUED', 'MISSED', 'FAILED']);

export interface OperationTemplate {
  kind: OperationKind;
  target: Target;
  strategy: StrategyInput;
  description: string;
  /** DEPLOY: what it delivers (absent in templates from before DEPLOY). */
  deploy?: DeploySource | null;
  /** A DEPLOY that keeps a baseline enforced: its target is the baseline's target when it fires. */
  enforces?: { baselineId: string } | null;
}

export const schedules = pgTable('schedules', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  cron: text().notNull(),
  timezone: text().notNull(),
  template: jsonb().$type<OperationTemplate>().notNull(),
  overlapPolicy: overlapPolicy().notNull().default('SKIP'),
  /** A run whose time passed more than this long ago (the OC was down) is recorded MISSED instead of started. */
  startingDeadlineMs: integer().notNull(),
  enabled: boolean().notNull().default(true),
  createdBy: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
  /** Every scheduled time up to here has been decided (started, skipped, queued or missed). */
  evaluatedUntil: timestamp({ withTimezone: true }).notNull(),
});

export const scheduleRuns = pgTable(
  'schedule_runs',
  {
    id: uuid().primaryKey().defaultRandom(),
    scheduleId: uuid()
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    scheduledFor: timestamp({ withTimezone: true }).notNull(),
    state: runState().notNull(),
    operationId: uuid(),
    message: text().notNull().default(''),
    createdAt: timestamp({ withTimezone: true }).notNull(),
  },
  // Each scheduled time runs at most once, whatever happens to the OC in between.
  (table) => [unique().on(table.scheduleId, table.scheduledFor), index().on(table.scheduleId, table.state)],
);

export type ScheduleRow = typeof schedules.$inferSelect;
export type ScheduleRunRow = typeof scheduleRuns.$inferSelect;
export type OverlapPolicy = (typeof overlapPolicy.enumValues)[number];
export type RunState = (typeof runState.enumValues)[number];
