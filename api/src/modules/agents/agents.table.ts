import { index, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { users } from '../accounts/accounts.table.ts';
import { clusters } from '../clusters/clusters.table.ts';
import { nodes } from '../nodes/nodes.table.ts';

export const enrollmentTokens = pgTable(
  'enrollment_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull().unique(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (table) => [index().on(table.clusterId)],
);

/** The credential a manager received at enrollment; it may act only for its own cluster. */
export const agentCredentials = pgTable(
  'agent_credentials',
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** The agent renews it before this; a renewed credential keeps working for a grace period only. */
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (table) => [index().on(table.clusterId)],
);

export type EnrollmentTokenRow = typeof enrollmentTokens.$inferSelect;
export type AgentCredentialRow = typeof agentCredentials.$inferSelect;
