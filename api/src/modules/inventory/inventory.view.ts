import { getColumns, sql } from 'drizzle-orm';
import { pgView } from 'drizzle-orm/pg-core';
import { clusters } from '../clusters/clusters.table.ts';
import { nodes } from '../nodes/nodes.table.ts';
import { nodeInventory, nodeTenants } from './inventory.table.ts';

// "Which servers have this patch?" lists and counts nodes by what they have, in cluster and node
// name order, leaving out nodes that have left. Names and membership are the nodes module's: this
// view is the one place that joins them (see nodes.view.ts).

/** Every inventory item with its node's cluster, name and whether the node is still a member. */
export const inventoryDirectory = pgView('inventory_directory').as((qb) =>
  qb
    .select({
      ...getColumns(nodeInventory),
      clusterId: nodes.clusterId,
      nodeName: sql<string>`${nodes.name}`.as('node_name'),
      nodeLeftAt: sql<Date | null>`${nodes.leftAt}`.as('node_left_at'),
      clusterName: sql<string>`${clusters.name}`.as('cluster_name'),
    })
    .from(nodeInventory)
    .innerJoin(nodes, sql`${nodes.id} = ${nodeInventory.nodeId}`)
    .innerJoin(clusters, sql`${clusters.id} = ${nodes.clusterId}`),
);

/** Every tenant with its node's cluster, name and whether the node is still a member. */
export const tenantDirectory = pgView('tenant_directory').as((qb) =>
  qb
    .select({
      ...getColumns(nodeTenants),
      nodeName: sql<string>`${nodes.name}`.as('node_name'),
      nodeLeftAt: sql<Date | null>`${nodes.leftAt}`.as('node_left_at'),
      clusterName: sql<string>`${clusters.name}`.as('cluster_name'),
    })
    .from(nodeTenants)
    .innerJoin(nodes, sql`${nodes.id} = ${nodeTenants.nodeId}`)
    .innerJoin(clusters, sql`${clusters.id} = ${nodes.clusterId}`),
);
