import { sql } from 'drizzle-orm';
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgEnum, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { Target } from '../targets/targets.types.ts';
import type { AlertCondition } from './alerts.types.ts';

export const alertSeverity = pgEnum('alert_severity', ['INFO', 'WARNING', 'CRITICAL']);
export const alertState = pgEnum('alert_state', ['PENDING', 'FIRING', 'RESOLVED']);
export const alertSubject = pgEnum('alert_subject', ['NODE', 'CLUSTER', 'OPERATION', 'SCHEDULE']);
/** What receivers were last told of an alert: nothing yet, that it fires, or that it resolved. */
export const alertNotified = pgEnum('alert_notified', ['NONE', 'FIRING', 'RESOLVED']);

export const alertRules = pgTable('alert_rules', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  /** A Mustache template over the alert ({{node}}, {{cluster}}, {{value}}, {{labels.x}}). */
  description: text().notNull(),
  severity: alertSeverity().notNull(),
  labels: jsonb().$type<Record<string, string>>().notNull(),
  target: jsonb().$type<Target>().notNull(),
  condition: jsonb().$type<AlertCondition>().notNull(),
  /** How long the condition must hold before the alert fires (PENDING until then). */
  forMs: integer().notNull(),
  /** At most one notification per rule and cluster per this interval; what happens meanwhile goes in the next one. */
  groupIntervalMs: integer().notNull(),
  channelIds: jsonb().$type<string[]>().notNull(),
  enabled: boolean().notNull().default(true),
  createdBy: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

export const alerts = pgTable(
  'alerts',
  {
    id: uuid().primaryKey().defaultRandom(),
    ruleId: uuid()
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    subjectKind: alertSubject().notNull(),
    subjectId: text().notNull(),
    subjectName: text().notNull(),
    clusterId: uuid(),
    clusterName: text(),
    labels: jsonb().$type<Record<string, string>>().notNull(),
    state: alertState().notNull(),
    /** When the condition was first seen holding. */
    activeAt: timestamp({ withTimezone: true }).notNull(),
    firedAt: timestamp({ withTimezone: true }),
    resolvedAt: timestamp({ withTimezone: true }),
    value: doublePrecision(),
    summary: text().notNull(),
    /** Why notifications are held back: the unreachable manager or the operation that stands for it. */
    inhibitedBy: text(),
    silenceId: uuid(),
    notified: alertNotified().notNull().default('NONE'),
    acknowledgedBy: text(),
    acknowledgedAt: timestamp({ withTimezone: true }),
    acknowledgement: text(),
    /** The operation a remediation policy started for it. */
    remediationOperationId: uuid(),
  },
  (table) => [
    // One open alert per rule and subject, whatever evaluation passes overlap.
    uniqueIndex('alerts_open_subject').on(table.ruleId, table.subjectId).where(sql`state <> 'RESOLVED'`),
    index().on(table.state, table.activeAt),
    index().on(table.ruleId, table.notified),
    index().on(table.resolvedAt),
  ],
);

/** Every change of every alert, for the timeline of a postmortem. */
export const alertHistory = pgTable(
  'alert_history',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    alertId: uuid()
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    at: timestamp({ withTimezone: true }).notNull(),
    kind: text().notNull(),
    message: text().notNull(),
    actor: text(),
  },
  (table) => [index().on(table.alertId, table.id), index().on(table.at)],
);

export interface SilenceMatcher {
  label: string;
  value: string;
  /** The value is a regular expression matched against the whole label. */
  regex: boolean;
}

export const alertSilences = pgTable(
  'alert_silences',
  {
    id: uuid().primaryKey().defaultRandom(),
    matchers: jsonb().$type<SilenceMatcher[]>().notNull(),
    startsAt: timestamp({ withTimezone: true }).notNull(),
    endsAt: timestamp({ withTimezone: true }).notNull(),
    comment: text().notNull(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [index().on(table.endsAt)],
);

/** When each rule last notified about each cluster: the group interval is counted from here. */
export const alertGroups = pgTable(
  'alert_groups',
  {
    ruleId: uuid()
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    groupKey: text().notNull(),
    lastNotifiedAt: timestamp({ withTimezone: true }).notNull(),
    notifications: integer().notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.ruleId, table.groupKey] })],
);

export type AlertSeverity = (typeof alertSeverity.enumValues)[number];
export type AlertState = (typeof alertState.enumValues)[number];
export type AlertSubject = (typeof alertSubject.enumValues)[number];
export type AlertRuleRow = typeof alertRules.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type AlertHistoryRow = typeof alertHistory.$inferSelect;
export type SilenceRow = typeof alertSilences.$inferSelect;
