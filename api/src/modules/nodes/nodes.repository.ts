import { and, asc, count, eq, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import { clusters } from '../clusters/clusters.table.ts';
import { type NodeStatus, nodeLiveness } from '../liveness/liveness.table.ts';
import { type NodeRow, nodes } from './nodes.table.ts';

export type NodeListRow = NodeRow & { clusterName: string };

export interface NodeValues {
  clusterId: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  address: string;
  version: string;
  labels: Record<string, string>;
  patches: string[];
  artifacts: string[];
  consoleUrl: string | null;
}

export class NodesRepository {
  async find(db: Executor, id: string): Promise<NodeRow | undefined> {
    const [row] = await db.select().from(nodes).where(eq(nodes.id, id));
    return row;
  }

  async findMany(db: Executor, ids: string[]): Promise<NodeRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(nodes).where(anyOf(nodes.id, ids));
  }

  async ofCluster(db: Executor, clusterId: string): Promise<NodeRow[]> {
    return db.select().from(nodes).where(eq(nodes.clusterId, clusterId)).orderBy(asc(nodes.name));
  }

  async insert(tx: Executor, values: (NodeValues & { joinedAt: Date })[]): Promise<NodeRow[]> {
    const inserted: NodeRow[] = [];
    for (const batch of insertBatches(nodes, values)) inserted.push(...(await tx.insert(nodes).values(batch).returning()));
    return inserted;
  }

  async update(tx: Executor, id: string, values: Partial<Omit<NodeRow, 'id' | 'clusterId'>>): Promise<NodeRow> {
    const [row] = await tx.update(nodes).set(values).where(eq(nodes.id, id)).returning();
    return row;
  }

  async markLeft(tx: Executor, ids: string[], at: Date): Promise<NodeRow[]> {
    if (ids.length === 0) return [];
    return tx.update(nodes).set({ leftAt: at }).where(anyOf(nodes.id, ids)).returning();
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.delete(nodes).where(eq(nodes.id, id));
  }

  /** Nodes matching a target condition and statuses, in (cluster, role, name) order after a keyset cursor. */
  async list(db: Executor, condition: SQL | undefined, statuses: NodeStatus[] | null, limit: number, after: unknown[] | null) {
    const rows = await db
      .select({ node: nodes, clusterName: clusters.name })
      .from(nodes)
      .innerJoin(clusters, eq(clusters.id, nodes.clusterId))
      .innerJoin(nodeLiveness, eq(nodeLiveness.nodeId, nodes.id))
      .where(
        and(
          condition,
          statuses ? anyOf(nodeLiveness.status, statuses) : undefined,
          after ? sql`(${clusters.name}, ${nodes.role}::text, ${nodes.name}) > (${after[0]}, ${after[1]}, ${after[2]})` : undefined,
        ),
      )
      .orderBy(asc(clusters.name), sql`${nodes.role}::text`, asc(nodes.name))
      .limit(limit);
    return rows.map((row): NodeListRow => ({ ...row.node, clusterName: row.clusterName }));
  }

  async count(db: Executor, condition: SQL | undefined, statuses: NodeStatus[] | null): Promise<number> {
    const [row] = await db
      .select({ value: count() })
      .from(nodes)
      .innerJoin(clusters, eq(clusters.id, nodes.clusterId))
      .innerJoin(nodeLiveness, eq(nodeLiveness.nodeId, nodes.id))
      .where(and(condition, statuses ? anyOf(nodeLiveness.status, statuses) : undefined));
    return row.value;
  }

  /** Every member (not LEFT) matching a target condition, with its cluster and status, for planning operations. */
  async members(db: Executor, condition: SQL | undefined) {
    return db
      .select({
        id: nodes.id,
        name: nodes.name,
        role: nodes.role,
        clusterId: nodes.clusterId,
        clusterName: clusters.name,
        status: nodeLiveness.status,
      })
      .from(nodes)
      .innerJoin(clusters, eq(clusters.id, nodes.clusterId))
      .innerJoin(nodeLiveness, eq(nodeLiveness.nodeId, nodes.id))
      .where(and(condition, sql`${nodeLiveness.status} <> 'LEFT'`));
  }

  async statusCounts(db: Executor): Promise<{ status: NodeStatus; count: number }[]> {
    return db
      .select({ status: nodeLiveness.status, count: count() })
      .from(nodeLiveness)
      .groupBy(nodeLiveness.status);
  }
}
