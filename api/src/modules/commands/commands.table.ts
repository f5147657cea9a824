import type { DeployParams, RevertParams } from '@opscenter/agent/shared/deploy-protocol';
import { index, integer, jsonb, pgEnum, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { clusters } from '../clusters/clusters.table.ts';
import { nodes } from '../nodes/nodes.table.ts';

export const commandState = pgEnum('command_state', ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELLED']);

export interface RestartParams {
  /** The operation the restart is a step of, if any. */
  operationId: string | null;
}

/** A command's kind with the parameters of that kind. */
export type CommandSpec = { kind: 'RESTART'; params: RestartParams } | { kind: 'DEPLOY'; params: DeployParams } | { kind: 'REVERT'; params: RevertParams };
export type CommandKind = CommandSpec['kind'];

/**
 * Work for a manager agent, addressed to one of its nodes. Delivery is at least once: every
 * command not yet finished is sent again when the agent (re)subscribes, and the agent executes a
 * command at most once, by its id, and refuses epochs older than the newest it has seen.
 */
export const commands = pgTable(
  'commands',
  {
    id: uuid().primaryKey().defaultRandom(),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    kind: text().$type<CommandKind>().notNull(),
    params: jsonb().$type<CommandSpec['params']>().notNull(),
    /** The operation step this command carries out, if any; the pair is unique. */
    operationId: uuid(),
    stepId: uuid(),
    epoch: integer().notNull().default(0),
    state: commandState().notNull().default('PENDING'),
    message: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index().on(table.clusterId, table.state), index().on(table.stepId)],
);

export type CommandRow = typeof commands.$inferSelect;
export type CommandState = (typeof commandState.enumValues)[number];
