import { sql } from 'drizzle-orm';
import { pgView } from 'drizzle-orm/pg-core';
import { nodeLiveness } from '../liveness/liveness.table.ts';
import { nodes } from '../nodes/nodes.table.ts';
import { clusterTags, nodeTags } from '../tags/tags.table.ts';

// A cluster is filtered on tags its nodes carry and summed up by its nodes' statuses, which other
// modules own. These views are the one place that joins them, declared as schema (migrated with
// the tables, so a column they read cannot be dropped under them); the repository queries the
// views and never another module's tables.

/** Every tag a cluster carries: its own user tags, its nodes' user tags and its nodes' roles. */
export const clusterCarriedTags = pgView('cluster_carried_tags').as((qb) =>
  qb
    .select({ clusterId: clusterTags.clusterId, tag: clusterTags.tag })
    .from(clusterTags)
    .unionAll(qb.select({ clusterId: nodes.clusterId, tag: nodeTags.tag }).from(nodeTags).innerJoin(nodes, sql`${nodes.id} = ${nodeTags.nodeId}`))
    .unionAll(qb.select({ clusterId: nodes.clusterId, tag: sql<string>`'role:' || lower(${nodes.role}::text)`.as('tag') }).from(nodes)),
);

/** Each member node's cluster, role and status, to count by. */
export const clusterNodeStatuses = pgView('cluster_node_statuses').as((qb) =>
  qb
    .select({ clusterId: nodes.clusterId, role: nodes.role, status: nodeLiveness.status })
    .from(nodes)
    .innerJoin(nodeLiveness, sql`${nodeLiveness.nodeId} = ${nodes.id}`),
);
