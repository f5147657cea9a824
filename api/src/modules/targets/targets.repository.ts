import { and, eq, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf } from '../../shared/batching.ts';
import { clusters } from '../clusters/clusters.table.ts';
import { nodes } from '../nodes/nodes.table.ts';
import { clusterTags, nodeTags } from '../tags/tags.table.ts';
import type { Target } from './targets.types.ts';

export class TargetsRepository {
  async clustersByIdOrName(db: Executor, ids: string[], names: string[]) {
    if (ids.length === 0 && names.length === 0) return [];
    return db
      .select({ id: clusters.id, name: clusters.name })
      .from(clusters)
      .where(or(ids.length ? anyOf(clusters.id, ids) : undefined, names.length ? anyOf(clusters.name, names) : undefined));
  }

  async existingNodeIds(db: Executor, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.select({ id: nodes.id }).from(nodes).where(anyOf(nodes.id, ids));
    return new Set(rows.map((row) => row.id));
  }

  /** A condition over `nodes` joined with `clusters` that selects exactly the target's nodes. */
  condition(target: Target): SQL | undefined {
    switch (target.kind) {
      case 'ALL':
        return undefined;
      case 'CLUSTERS':
        return anyOf(nodes.clusterId, target.clusterIds);
      case 'NODES':
        return anyOf(nodes.id, target.nodeIds);
      case 'TAGS': {
        const conditions = target.tags.map((tag) => this.#hasTag(tag));
        return target.match === 'ALL' ? and(...conditions) : or(...conditions);
      }
    }
  }

  #hasTag(tag: string): SQL {
    if (tag.startsWith('cluster:')) return sql`lower(${clusters.name}) = ${tag.slice('cluster:'.length)}`;
    if (tag.startsWith('product:')) return sql`lower(${clusters.productKind}) = ${tag.slice('product:'.length)}`;
    if (tag.startsWith('role:')) return eq(nodes.role, tag.slice('role:'.length).toUpperCase() as 'MANAGER' | 'WORKER');
    return sql`(exists (select 1 from ${nodeTags} where ${nodeTags.nodeId} = ${nodes.id} and ${nodeTags.tag} = ${tag})
      or exists (select 1 from ${clusterTags} where ${clusterTags.clusterId} = ${nodes.clusterId} and ${clusterTags.tag} = ${tag}))`;
  }
}
