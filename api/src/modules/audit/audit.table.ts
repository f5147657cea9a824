import { bigint, index, jsonb, pgEnum, text, timestamp } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { ACTOR_TYPES } from '../../shared/actor.ts';
import { AUDIT_RESULTS } from '../../shared/audit.ts';

export const actorType = pgEnum('actor_type', ACTOR_TYPES);
export const auditResult = pgEnum('audit_result', AUDIT_RESULTS);

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
export type { AuditResult } from '../../shared/audit.ts';
export type AuditRow = typeof auditLog.$inferSelect;
