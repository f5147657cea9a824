import { and, asc, count, eq, getColumns, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import type { NodeStatus } from '../liveness/liveness.types.ts';
import type { Target } from '../targets/targets.types.ts';
import { type NodeRow, nodes } from './nodes.table.ts';
import { nodeCarriedTags, nodeDirectory } from './nodes.view.ts';

export type NodeListRow = NodeRow & { clusterName: string };

export interface NodeValues {
  clusterId: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  address: string;
  version: string;
  labels: Record<string, string>;
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
  async list(db: Executor, target: Target, statuses: NodeStatus[] | null, limit: number, after: unknown[] | null): Promise<NodeListRow[]> {
    const { clusterName, productKind, status, statusCause, ...node } = getColumns(nodeDirectory);
    return db
      .select({ ...node, clusterName })
      .from(nodeDirectory)
      .where(
        and(
          selects(target),
          statuses ? anyOf(status, statuses) : undefined,
          after ? sql`(${clusterName}, ${node.role}::text, ${node.name}) > (${after[0]}, ${after[1]}, ${after[2]})` : undefined,
        ),
      )
      .orderBy(asc(clusterName), sql`${node.role}::text`, asc(node.name))
      .limit(limit);
  }

  async count(db: Executor, target: Target, statuses: NodeStatus[] | null): Promise<number> {
    const [row] = await db
      .select({ value: count() })
      .from(nodeDirectory)
      .where(and(selects(target), statuses ? anyOf(nodeDirectory.status, statuses) : undefined));
    return row.value;
  }

  /** How many members (not nodes that have left) the target selects, by status. */
  async statusCounts(db: Executor, target: Target): Promise<Map<NodeStatus, number>> {
    const rows = await db
      .select({ status: nodeDirectory.status, value: count() })
      .from(nodeDirectory)
      .where(and(selects(target), sql`${nodeDirectory.status} <> 'LEFT'`))
      .groupBy(nodeDirectory.status);
    return new Map(rows.map((row) => [row.status, row.value]));
  }

  /**
   * The nodes a target selects, with their cluster and status, by cluster and name: members only
   * (for planning operations), or with the nodes that have left too (they count for availability
   * for the time they were members).
   */
  async matching(db: Executor, target: Target, { includeLeft, statuses, limit }: { includeLeft: boolean; statuses?: readonly NodeStatus[]; limit?: number }) {
    const node = nodeDirectory;
    const query = db
      .select({
        id: node.id,
        name: node.name,
        role: node.role,
        clusterId: node.clusterId,
        clusterName: node.clusterName,
        joinedAt: node.joinedAt,
        status: node.status,
        statusCause: node.statusCause,
        statusSince: node.statusSince,
      })
      .from(node)
      .where(and(selects(target), includeLeft ? undefined : sql`${node.status} <> 'LEFT'`, statuses ? anyOf(node.status, [...statuses]) : undefined))
      .orderBy(asc(node.clusterName), asc(node.name))
      .$dynamic();
    return limit === undefined ? query : query.limit(limit);
  }
}

/** A condition over the node directory that selects exactly the target's nodes. */
function selects(target: Target): SQL | undefined {
  switch (target.kind) {
    case 'ALL':
      return undefined;
    case 'CLUSTERS':
      return anyOf(nodeDirectory.clusterId, target.clusterIds);
    case 'NODES':
      return anyOf(nodeDirectory.id, target.nodeIds);
    case 'TAGS': {
      const conditions = target.tags.map(hasTag);
      return target.match === 'ALL' ? and(...conditions) : or(...conditions);
    }
  }
}

function hasTag(tag: string): SQL {
  const node = nodeDirectory;
  if (tag.startsWith('cluster:')) return sql`lower(${node.clusterName}) = ${tag.slice('cluster:'.length)}`;
  if (tag.startsWith('product:')) return sql`lower(${node.productKind}) = ${tag.slice('product:'.length)}`;
  if (tag.startsWith('role:')) return eq(node.role, tag.slice('role:'.length).toUpperCase() as 'MANAGER' | 'WORKER');
  return sql`exists (select 1 from ${nodeCarriedTags} where ${nodeCarriedTags.nodeId} = ${node.id} and ${nodeCarriedTags.tag} = ${tag})`;
}
