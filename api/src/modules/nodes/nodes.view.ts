import { getColumns, sql } from 'drizzle-orm';
import { pgView } from 'drizzle-orm/pg-core';
import { clusters } from '../clusters/clusters.table.ts';
import { nodeLiveness } from '../liveness/liveness.table.ts';
import { clusterTags, nodeTags } from '../tags/tags.table.ts';
import { nodes } from './nodes.table.ts';

// Lists of nodes filter and sort on what other modules own: their cluster, their status and their
// tags. These views are the one place that joins them, declared as schema (migrated with the
// tables, so a column they read cannot be dropped under them); the repository queries the views
// and never another module's tables.

/** Every node with its cluster's name and product and its current status. */
export const nodeDirectory = pgView('node_directory').as((qb) =>
  qb
    .select({
      ...getColumns(nodes),
      clusterName: sql<string>`${clusters.name}`.as('cluster_name'),
      productKind: sql<string>`${clusters.productKind}`.as('product_kind'),
      status: nodeLiveness.status,
      statusCause: nodeLiveness.statusCause,
      statusSince: nodeLiveness.statusSince,
    })
    .from(nodes)
    .innerJoin(clusters, sql`${clusters.id} = ${nodes.clusterId}`)
    .innerJoin(nodeLiveness, sql`${nodeLiveness.nodeId} = ${nodes.id}`),
);

/** Every user tag a node carries: its own, and its cluster's. */
export const nodeCarriedTags = pgView('node_carried_tags').as((qb) =>
  qb
    .select({ nodeId: nodeTags.nodeId, tag: nodeTags.tag })
    .from(nodeTags)
    .unionAll(qb.select({ nodeId: nodes.id, tag: clusterTags.tag }).from(clusterTags).innerJoin(nodes, sql`${nodes.clusterId} = ${clusterTags.clusterId}`)),
);
