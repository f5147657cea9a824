import { bigint, index, jsonb, pgEnum, text, timestamp } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';

export const actorType = pgEnum('actor_type', ['USER', 'API_TOKEN', 'AGENT', 'ANONYMOUS', 'SYSTEM']);
export const auditResult = pgEnum('audit_result', ['SUCCESS', 'DENIED', 'FAILED', 'ERROR']);

/** Append-only: a trigger in the migration refuses UPDATE and DELETE. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull(),
    requestId: text(),
    /** The client's address for calls from outside (null for the OC's own work). */
    sourceAddress: text(),
    actorType: actorType().notNull(),
    actorId: text(),
    actorName: text().notNull(),
    action: text().notNull(),
    targetType: text(),
    targetId: text(),
    args: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    result: auditResult().notNull(),
    errorCode: text(),
    message: text(),
  },
  (table) => [index().on(table.at), index().on(table.action), index().on(table.targetId)],
);

export type ActorType = (typeof actorType.enumValues)[number];
export type AuditResult = (typeof auditResult.enumValues)[number];
export type AuditRow = typeof auditLog.$inferSelect;
