import { boolean, index, integer, jsonb, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { NodeStatus, StatusCause } from '../liveness/liveness.types.ts';
import type { Target } from '../targets/targets.types.ts';

/** Self-healing: restart the nodes of a target that stay in a status (for a cause) long enough, within limits. */
export const remediationPolicies = pgTable('remediation_policies', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  target: jsonb().$type<Target>().notNull(),
  statuses: jsonb().$type<NodeStatus[]>().notNull(),
  causes: jsonb().$type<StatusCause[] | null>(),
  forMs: integer().notNull(),
  maxRestartsPerHour: integer().notNull(),
  /** A node down again within this long after its restart ended is flapping: the policy stops for it. */
  flapWindowMs: integer().notNull(),
  enabled: boolean().notNull().default(true),
  createdBy: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

/** Every decision a policy took for a node: a restart it started, or why it stopped. */
export const remediationActions = pgTable(
  'remediation_actions',
  {
    id: uuid().primaryKey().defaultRandom(),
    policyId: uuid()
      .notNull()
      .references(() => remediationPolicies.id, { onDelete: 'cascade' }),
    nodeId: uuid().notNull(),
    nodeName: text().notNull(),
    operationId: uuid(),
    at: timestamp({ withTimezone: true }).notNull(),
    /** RESTARTED, or STOPPED with the reason in message. */
    outcome: text().notNull(),
    message: text().notNull(),
  },
  (table) => [index().on(table.policyId, table.nodeId, table.at), index().on(table.at)],
);

/** Nodes a policy has stopped healing (flapping, or too many restarts) until someone releases them. */
export const remediationHolds = pgTable(
  'remediation_holds',
  {
    policyId: uuid()
      .notNull()
      .references(() => remediationPolicies.id, { onDelete: 'cascade' }),
    nodeId: uuid().notNull(),
    nodeName: text().notNull(),
    clusterId: uuid().notNull(),
    clusterName: text().notNull(),
    since: timestamp({ withTimezone: true }).notNull(),
    reason: text().notNull(),
  },
  (table) => [primaryKey({ columns: [table.policyId, table.nodeId] })],
);

export type PolicyRow = typeof remediationPolicies.$inferSelect;
export type ActionRow = typeof remediationActions.$inferSelect;
export type HoldRow = typeof remediationHolds.$inferSelect;
