import { and, count, countDistinct } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import { clusterTags, nodeTags } from './tags.table.ts';

export interface TagUsage {
  tag: string;
  nodes: number;
  clusters: number;
}

export class TagsRepository {
  async addNodeTags(tx: Executor, nodeIds: string[], tags: string[]): Promise<void> {
    const rows = nodeIds.flatMap((nodeId) => tags.map((tag) => ({ nodeId, tag })));
    for (const batch of insertBatches(nodeTags, rows)) await tx.insert(nodeTags).values(batch).onConflictDoNothing();
  }

  async removeNodeTags(tx: Executor, nodeIds: string[], tags: string[]): Promise<void> {
    if (nodeIds.length === 0) return;
    await tx.delete(nodeTags).where(and(anyOf(nodeTags.nodeId, nodeIds), anyOf(nodeTags.tag, tags)));
  }

  async addClusterTags(tx: Executor, clusterIds: string[], tags: string[]): Promise<void> {
    const rows = clusterIds.flatMap((clusterId) => tags.map((tag) => ({ clusterId, tag })));
    for (const batch of insertBatches(clusterTags, rows)) await tx.insert(clusterTags).values(batch).onConflictDoNothing();
  }

  async removeClusterTags(tx: Executor, clusterIds: string[], tags: string[]): Promise<void> {
    if (clusterIds.length === 0) return;
    await tx.delete(clusterTags).where(and(anyOf(clusterTags.clusterId, clusterIds), anyOf(clusterTags.tag, tags)));
  }

  async nodeTagsOf(db: Executor, nodeIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(nodeIds.map((id) => [id, []]));
    if (nodeIds.length === 0) return result;
    const rows = await db.select().from(nodeTags).where(anyOf(nodeTags.nodeId, nodeIds)).orderBy(nodeTags.tag);
    for (const row of rows) result.get(row.nodeId)?.push(row.tag);
    return result;
  }

  async clusterTagsOf(db: Executor, clusterIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(clusterIds.map((id) => [id, []]));
    if (clusterIds.length === 0) return result;
    const rows = await db.select().from(clusterTags).where(anyOf(clusterTags.clusterId, clusterIds)).orderBy(clusterTags.tag);
    for (const row of rows) result.get(row.clusterId)?.push(row.tag);
    return result;
  }

  async usage(db: Executor): Promise<TagUsage[]> {
    const onNodes = await db
      .select({ tag: nodeTags.tag, value: countDistinct(nodeTags.nodeId) })
      .from(nodeTags)
      .groupBy(nodeTags.tag);
    const onClusters = await db.select({ tag: clusterTags.tag, value: count() }).from(clusterTags).groupBy(clusterTags.tag);
    const usage = new Map<string, TagUsage>();
    for (const row of onNodes) usage.set(row.tag, { tag: row.tag, nodes: row.value, clusters: 0 });
    for (const row of onClusters) {
      const entry = usage.get(row.tag) ?? { tag: row.tag, nodes: 0, clusters: 0 };
      entry.clusters = row.value;
      usage.set(row.tag, entry);
    }
    return [...usage.values()].sort((a, b) => a.tag.localeCompare(b.tag));
  }
}
