import { and, asc, count, eq, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import { clusters } from '../clusters/clusters.table.ts';
import { type NodeStatus, nodeLiveness } from '../liveness/liveness.table.ts';
import { clusterTags, nodeTags } from '../tags/tags.table.ts';
import type { Target } from '../targets/targets.types.ts';
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
  async existingIds(db: Executor, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.select({ id: nodes.id }).from(nodes).where(anyOf(nodes.id, ids));
    return new Set(rows.map((row) => row.id));
  }

  async find(db: Executor, id: string): Promise<NodeRow | undefined> {
    const [row] = await db.select().from(nodes).where(eq(nodes.id, id));
    return row;
  }

  async findMany(db: Executor, ids: string[]): Promise<NodeRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(nodes).where(anyOf(nodes.id, ids));
  }

  /** Who each node is, of one cluster or of all: what liveness tracks them by. */
  async identities(db: Executor, clusterId?: string) {
    return db
      .select({ nodeId: nodes.id, nodeName: nodes.name, role: nodes.role, clusterId: nodes.clusterId })
      .from(nodes)
      .where(clusterId ? eq(nodes.clusterId, clusterId) : undefined);
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

  /** Nodes a target selects with these statuses, in (cluster, role, name) order after a keyset cursor. */
  async list(db: Executor, target: Target, statuses: NodeStatus[] | null, limit: number, after: unknown[] | null) {
    const rows = await db
      .select({ node: nodes, clusterName: clusters.name })
      .from(nodes)
      .innerJoin(clusters, eq(clusters.id, nodes.clusterId))
      .innerJoin(nodeLiveness, eq(nodeLiveness.nodeId, nodes.id))
      .where(
        and(
          selects(target),
          statuses ? anyOf(nodeLiveness.status, statuses) : undefined,
          after ? sql`(${clusters.name}, ${nodes.role}::text, ${nodes.name}) > (${after[0]}, ${after[1]}, ${after[2]})` : undefined,
        ),
      )
      .orderBy(asc(clusters.name), sql`${nodes.role}::text`, asc(nodes.name))
      .limit(limit);
    return rows.map((row): NodeListRow => ({ ...row.node, clusterName: row.clusterName }));
  }

  async count(db: Executor, target: Target, statuses: NodeStatus[] | null): Promise<number> {
    const [row] = await db
      .select({ value: count() })
      .from(nodes)
      .innerJoin(clusters, eq(clusters.id, nodes.clusterId))
      .innerJoin(nodeLiveness, eq(nodeLiveness.nodeId, nodes.id))
      .where(and(selects(target), statuses ? anyOf(nodeLiveness.status, statuses) : undefined));
    return row.value;
  }

  /**
   * The nodes a target selects, with their cluster and status, by cluster and name: members only
   * (for planning operations), or with the nodes that have left too (they count for availability
   * for the time they were members).
   */
  async matching(db: Executor, target: Target, { includeLeft }: { includeLeft: boolean }) {
    return db
      .select({
        id: nodes.id,
        name: nodes.name,
        role: nodes.role,
        clusterId: nodes.clusterId,
        clusterName: clusters.name,
        joinedAt: nodes.joinedAt,
        status: nodeLiveness.status,
        statusCause: nodeLiveness.statusCause,
      })
      .from(nodes)
      .innerJoin(clusters, eq(clusters.id, nodes.clusterId))
      .innerJoin(nodeLiveness, eq(nodeLiveness.nodeId, nodes.id))
      .where(and(selects(target), includeLeft ? undefined : sql`${nodeLiveness.status} <> 'LEFT'`))
      .orderBy(asc(clusters.name), asc(nodes.name));
  }

  async statusCounts(db: Executor): Promise<{ status: NodeStatus; count: number }[]> {
    return db.select({ status: nodeLiveness.status, count: count() }).from(nodeLiveness).groupBy(nodeLiveness.status);
  }
}

/** A condition over `nodes` joined with `clusters` that selects exactly the target's nodes. */
function selects(target: Target): SQL | undefined {
  switch (target.kind) {
    case 'ALL':
      return undefined;
    case 'CLUSTERS':
      return anyOf(nodes.clusterId, target.clusterIds);
    case 'NODES':
      return anyOf(nodes.id, target.nodeIds);
    case 'TAGS': {
      const conditions = target.tags.map(hasTag);
      return target.match === 'ALL' ? and(...conditions) : or(...conditions);
    }
  }
}

function hasTag(tag: string): SQL {
  if (tag.startsWith('cluster:')) return sql`lower(${clusters.name}) = ${tag.slice('cluster:'.length)}`;
  if (tag.startsWith('product:')) return sql`lower(${clusters.productKind}) = ${tag.slice('product:'.length)}`;
  if (tag.startsWith('role:')) return eq(nodes.role, tag.slice('role:'.length).toUpperCase() as 'MANAGER' | 'WORKER');
  return sql`(exists (select 1 from ${nodeTags} where ${nodeTags.nodeId} = ${nodes.id} and ${nodeTags.tag} = ${tag})
    or exists (select 1 from ${clusterTags} where ${clusterTags.clusterId} = ${nodes.clusterId} and ${clusterTags.tag} = ${tag}))`;
}
