import { boolean, index, integer, jsonb, pgEnum, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { Target } from '../targets/targets.types.ts';
import type { DeployChange, DeploySource } from './operations.deploy.ts';
import type { Budget, Strategy } from './operations.strategy.ts';

export const operationKind = pgEnum('operation_kind', ['RESTART', 'ROLLING_RESTART', 'DEPLOY']);
export const operationState = pgEnum('operation_state', [
  'PENDING',
  'RUNNING',
  'WAITING',
  'PAUSED',
  'AWAITING_PROMOTION',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
]);
export const stepState = pgEnum('step_state', ['PENDING', 'DISPATCHED', 'RESTARTED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'REVERTED']);
/** APPLY carries out the operation on a node; ROLLBACK undoes a DEPLOY's APPLY there (rollbackOnFailure). */
export const stepPhase = pgEnum('step_phase', ['APPLY', 'ROLLBACK']);

export const operations = pgTable(
  'operations',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: operationKind().notNull(),
    description: text().notNull().default(''),
    target: jsonb().$type<Target>().notNull(),
    strategy: jsonb().$type<Strategy>().notNull(),
    /** Per cluster: its size when the operation was created, and how many of its nodes may be unavailable. */
    budgets: jsonb().$type<Record<string, Budget>>().notNull(),
    /** A DEPLOY's content: its target's baselines, or the items given. */
    deploy: jsonb().$type<DeploySource>(),
    state: operationState().notNull().default('PENDING'),
    stateReason: text().notNull().default(''),
    /** Fencing: raised whenever an OC takes the operation over; agents refuse commands with a lower one. */
    epoch: integer().notNull().default(1),
    requestedBy: text().notNull(),
    requestedById: text(),
    scheduleId: uuid(),
    scheduledFor: timestamp({ withTimezone: true }),
    idempotencyKey: text().unique(),
    inputHash: text().notNull(),
    cancelRequested: boolean().notNull().default(false),
    promoted: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    lastProgressAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [index().on(table.state), index().on(table.createdAt), index().on(table.scheduleId)],
);

export const operationSteps = pgTable(
  'operation_steps',
  {
    id: uuid().primaryKey().defaultRandom(),
    operationId: uuid()
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    batch: integer().notNull(),
    position: integer().notNull(),
    canary: boolean().notNull().default(false),
    clusterId: uuid().notNull(),
    clusterName: text().notNull(),
    /** Not a foreign key: a step outlives a node removed from the inventory. */
    nodeId: uuid().notNull(),
    nodeName: text().notNull(),
    role: text().notNull(),
    phase: stepPhase().notNull().default('APPLY'),
    /** A DEPLOY step's change to its node, worked out when the operation was planned. */
    change: jsonb().$type<DeployChange>(),
    state: stepState().notNull().default('PENDING'),
    commandId: uuid(),
    attempts: integer().notNull().default(0),
    message: text().notNull().default(''),
    dispatchedAt: timestamp({ withTimezone: true }),
    restartedAt: timestamp({ withTimezone: true }),
    healthyAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  // At most one step per node and phase of an operation: a node is changed at most once, and undone at most once.
  // By node too: which operation last changed a node's file (the applied-content report).
  (table) => [unique().on(table.operationId, table.nodeId, table.phase), index().on(table.operationId, table.position), index().on(table.nodeId)],
);

export type OperationRow = typeof operations.$inferSelect;
export type StepRow = typeof operationSteps.$inferSelect;
export type OperationKind = (typeof operationKind.enumValues)[number];
export type OperationState = (typeof operationState.enumValues)[number];
export type StepState = (typeof stepState.enumValues)[number];
export type StepPhase = (typeof stepPhase.enumValues)[number];
