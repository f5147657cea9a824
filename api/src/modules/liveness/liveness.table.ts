import { bigint, doublePrecision, index, integer, pgEnum, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { nodes } from '../nodes/nodes.table.ts';

export const nodeStatus = pgEnum('node_status', ['UP', 'SUSPECT', 'DOWN', 'UNKNOWN', 'MAINTENANCE', 'LEFT']);

export const statusCause = pgEnum('status_cause', [
  'JOINED',
  'REJOINED',
  'LEFT',
  'MISSED_HEARTBEATS',
  'REPORTED_FAILURE',
  'MANAGER_UNREACHABLE',
  'FIRST_HEARTBEAT',
  'RECOVERED',
  'OPERATION_STARTED',
  'OPERATION_FINISHED',
]);

export const reportedState = pgEnum('reported_state', ['HEALTHY', 'STARTING', 'UNHEALTHY', 'STOPPED']);

/**
 * One narrow row per node, rewritten by every heartbeat batch. No indexed column changes on a
 * steady beat, and the table keeps free space per page (fillfactor, set in the migration) so
 * those rewrites stay heap-only.
 */
export const nodeLiveness = pgTable('node_liveness', {
  nodeId: uuid()
    .primaryKey()
    .references(() => nodes.id, { onDelete: 'cascade' }),
  clusterId: uuid().notNull(),
  status: nodeStatus().notNull().default('UNKNOWN'),
  statusCause: statusCause().notNull().default('JOINED'),
  statusSince: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp({ withTimezone: true }),
  lastHealthyAt: timestamp({ withTimezone: true }),
  reportedState: reportedState(),
  batchSequence: bigint({ mode: 'number' }),
  cpuPercent: doublePrecision(),
  memoryBytes: bigint({ mode: 'number' }),
  load1: doublePrecision(),
  diskPercent: doublePrecision(),
  uptimeSeconds: bigint({ mode: 'number' }),
  /** When the measurements above were last reported: they are the last known ones once the node stops reporting. */
  statsReportedAt: timestamp({ withTimezone: true }),
  reportedVersion: text(),
});

export const nodeStatusHistory = pgTable(
  'node_status_history',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    clusterId: uuid().notNull(),
    fromStatus: nodeStatus().notNull(),
    toStatus: nodeStatus().notNull(),
    cause: statusCause().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
    /** The operation that took the node into (or out of) maintenance. */
    operationId: uuid(),
  },
  (table) => [index().on(table.nodeId, table.at), index().on(table.clusterId, table.at), index().on(table.at)],
);

/** Stats downsampled to one row per node per minute, for charts. */
export const nodeStats = pgTable(
  'node_stats',
  {
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    minute: timestamp({ withTimezone: true }).notNull(),
    cpuPercent: doublePrecision(),
    memoryBytes: bigint({ mode: 'number' }),
    load1: doublePrecision(),
    diskPercent: doublePrecision(),
    samples: integer().notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.minute] }), index().on(table.minute)],
);

export type NodeStatus = (typeof nodeStatus.enumValues)[number];
export type StatusCause = (typeof statusCause.enumValues)[number];
export type ReportedState = (typeof reportedState.enumValues)[number];
export type LivenessRow = typeof nodeLiveness.$inferSelect;
export type StatusHistoryRow = typeof nodeStatusHistory.$inferSelect;
export type NodeStatsRow = typeof nodeStats.$inferSelect;
