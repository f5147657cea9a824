import { index, integer, jsonb, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { Target } from '../targets/targets.types.ts';

/** Desired state: the content items that belong on the nodes a target selects. */
export const baselines = pgTable('baselines', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  /** The newest version; every change makes a new one and keeps the old. */
  currentVersion: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

/** Every version of a baseline as it was saved, with who saved it and why. */
export const baselineVersions = pgTable(
  'baseline_versions',
  {
    baselineId: uuid()
      .notNull()
      .references(() => baselines.id, { onDelete: 'cascade' }),
    version: integer().notNull(),
    target: jsonb().$type<Target>().notNull(),
    /** Content item ids, in the order they were given. */
    itemIds: jsonb().$type<string[]>().notNull(),
    message: text().notNull(),
    author: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.baselineId, table.version] }), index().using('gin', table.itemIds)],
);

export type BaselineRow = typeof baselines.$inferSelect;
export type BaselineVersionRow = typeof baselineVersions.$inferSelect;
