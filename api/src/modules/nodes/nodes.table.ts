import { index, jsonb, pgEnum, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { clusters } from '../clusters/clusters.table.ts';

export const nodeRole = pgEnum('node_role', ['MANAGER', 'WORKER']);

export const nodes = pgTable(
  'nodes',
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    role: nodeRole().notNull(),
    address: text().notNull().default(''),
    version: text().notNull().default(''),
    labels: jsonb().$type<Record<string, string>>().notNull().default({}),
    /** A worker's own management console, as its manager reports it; a manager's is its cluster's consoleUrl. */
    consoleUrl: text(),
    joinedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leftAt: timestamp({ withTimezone: true }),
  },
  (table) => [unique().on(table.clusterId, table.name), index().on(table.name)],
);

export type NodeRow = typeof nodes.$inferSelect;
export type NodeRole = (typeof nodeRole.enumValues)[number];
