import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgEnum, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { Target } from '../targets/targets.types.ts';

/** A status page component covers some clusters or tags: the only targets that have a public meaning. */
export type ComponentTarget = Extract<Target, { kind: 'CLUSTERS' | 'TAGS' }>;

/** The page's own text. One row: there is one public page per OC. */
export const statusPageSettings = pgTable(
  'status_page_settings',
  {
    id: integer().primaryKey().default(1),
    title: text().notNull(),
    description: text(),
    updatedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [check('status_page_settings_single_row', sql`${table.id} = 1`)],
);

/** What the public sees as one service: a public name over clusters or tags it must not name. */
export const statusComponents = pgTable('status_components', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  position: integer().notNull(),
  target: jsonb().$type<ComponentTarget>().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

export const statusIncidentState = pgEnum('status_incident_state', ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED']);

/** An incident published on the page, with the components it affects. */
export const statusIncidents = pgTable(
  'status_incidents',
  {
    id: uuid().primaryKey().defaultRandom(),
    title: text().notNull(),
    state: statusIncidentState().notNull(),
    /** Component ids; a component removed since is left out where it is shown. */
    componentIds: jsonb().$type<string[]>().notNull(),
    /** The alert the incident was opened for; no foreign key, the alerts module links them. */
    alertId: uuid(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    resolvedAt: timestamp({ withTimezone: true }),
  },
  (table) => [index().on(table.resolvedAt)],
);

/** What operators told the public, in order: each update may move the incident's state. */
export const statusIncidentUpdates = pgTable(
  'status_incident_updates',
  {
    /** In the order they were posted, also when two share a time. */
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    incidentId: uuid()
      .notNull()
      .references(() => statusIncidents.id, { onDelete: 'cascade' }),
    at: timestamp({ withTimezone: true }).notNull(),
    state: statusIncidentState().notNull(),
    message: text().notNull(),
    /** Who posted it; for the audit and the dashboard, never shown on the public page. */
    author: text().notNull(),
  },
  (table) => [index().on(table.incidentId, table.at)],
);

export type StatusPageSettingsRow = typeof statusPageSettings.$inferSelect;
export type StatusComponentRow = typeof statusComponents.$inferSelect;
export type StatusIncidentRow = typeof statusIncidents.$inferSelect;
export type StatusIncidentUpdateRow = typeof statusIncidentUpdates.$inferSelect;
export type StatusIncidentState = (typeof statusIncidentState.enumValues)[number];
