import { text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';

export const clusters = pgTable('clusters', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  productKind: text().notNull(),
  description: text().notNull().default(''),
  consoleUrl: text(),
  /** Set when a manager registers; the node row points back with role MANAGER. */
  managerNodeId: uuid(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type ClusterRow = typeof clusters.$inferSelect;
