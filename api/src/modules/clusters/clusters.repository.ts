import { and, asc, count, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf } from '../../shared/batching.ts';
import { isUuid } from '../../shared/validation.ts';
import type { NodeStatus } from '../liveness/liveness.types.ts';
import { type ClusterRow, clusters } from './clusters.table.ts';
import { clusterCarriedTags, clusterNodeStatuses } from './clusters.view.ts';

export interface StatusCountRow {
  clusterId: string;
  role: 'MANAGER' | 'WORKER';
  status: NodeStatus;
  count: number;
}

export class ClustersRepository {
  /** What liveness tracks a cluster by, of one cluster or of all. */
  async infos(db: Executor, clusterId?: string) {
    return db
      .select({ id: clusters.id, name: clusters.name, productKind: clusters.productKind, managerNodeId: clusters.managerNodeId })
      .from(clusters)
      .where(clusterId ? eq(clusters.id, clusterId) : undefined);
  }

  async byIdsOrNames(db: Executor, ids: string[], names: string[]) {
    if (ids.length === 0 && names.length === 0) return [];
    return db
      .select({ id: clusters.id, name: clusters.name })
      .from(clusters)
      .where(or(ids.length ? anyOf(clusters.id, ids) : undefined, names.length ? anyOf(clusters.name, names) : undefined));
  }

  async insert(tx: Executor, values: Pick<ClusterRow, 'name' | 'productKind' | 'description' | 'consoleUrl'>): Promise<ClusterRow> {
    const [row] = await tx.insert(clusters).values(values).returning();
    return row;
  }

  async update(
    tx: Executor,
    id: string,
    values: Partial<Pick<ClusterRow, 'name' | 'productKind' | 'description' | 'consoleUrl' | 'managerNodeId' | 'updatedAt'>>,
  ) {
    const [row] = await tx.update(clusters).set(values).where(eq(clusters.id, id)).returning();
    return row as ClusterRow | undefined;
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.delete(clusters).where(eq(clusters.id, id));
  }

  async find(db: Executor, idOrName: string): Promise<ClusterRow | undefined> {
    const [row] = await db
      .select()
      .from(clusters)
      .where(isUuid(idOrName) ? eq(clusters.id, idOrName.toLowerCase()) : eq(clusters.name, idOrName));
    return row;
  }

  async findMany(db: Executor, ids: string[]): Promise<ClusterRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(clusters).where(anyOf(clusters.id, ids));
  }

  async findByName(db: Executor, name: string): Promise<ClusterRow | undefined> {
    const [row] = await db.select().from(clusters).where(eq(clusters.name, name));
    return row;
  }

  /**
   * Clusters matching a name search and carrying all of `tags`; each tag is carried by the
   * cluster itself (a cluster tag or implicit group) or by any of its nodes.
   */
  async list(db: Executor, filter: { search?: string | null; tags?: string[] | null }): Promise<ClusterRow[]> {
    const conditions: (SQL | undefined)[] = [];
    if (filter.search) {
      const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(or(ilike(clusters.name, pattern), ilike(clusters.description, pattern), ilike(clusters.productKind, pattern)));
    }
    for (const tag of filter.tags ?? []) conditions.push(this.#carries(tag));
    return db
      .select()
      .from(clusters)
      .where(and(...conditions))
      .orderBy(asc(clusters.name));
  }

  #carries(tag: string): SQL {
    if (tag.startsWith('cluster:')) return sql`lower(${clusters.name}) = ${tag.slice('cluster:'.length)}`;
    if (tag.startsWith('product:')) return sql`lower(${clusters.productKind}) = ${tag.slice('product:'.length)}`;
    return sql`exists (select 1 from ${clusterCarriedTags} where ${clusterCarriedTags.clusterId} = ${clusters.id} and ${clusterCarriedTags.tag} = ${tag})`;
  }

  async statusCounts(db: Executor, clusterIds?: string[]): Promise<StatusCountRow[]> {
    if (clusterIds && clusterIds.length === 0) return [];
    const { clusterId, role, status } = clusterNodeStatuses;
    return db
      .select({ clusterId, role, status, count: count() })
      .from(clusterNodeStatuses)
      .where(clusterIds ? anyOf(clusterId, clusterIds) : undefined)
      .groupBy(clusterId, role, status);
  }

  async count(db: Executor): Promise<number> {
    const [row] = await db.select({ value: count() }).from(clusters);
    return row.value;
  }
}
