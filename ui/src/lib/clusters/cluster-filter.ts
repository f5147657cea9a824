import type { NodeStatus } from '$lib/graphql/enums';
import { countOf, isNodeStatus } from '$lib/nodes/node-status';
import { clusterGroups, normalizeTag } from '$lib/tags/tags';
import { isClusterHealth } from './cluster-health';
import type { ClusterSummary } from './clusters.graphql';

export interface ClusterFilterValues {
  q: string;
  health: string;
  status: string;
  tag: string;
}

/** The clusters that carry a tag, themselves or through any of their nodes. */
export interface TagMatches {
  tag: string;
  clusterIds: ReadonlySet<string>;
}

function hasStatus(cluster: ClusterSummary, status: NodeStatus): boolean {
  return cluster.managerStatus === status || countOf(cluster.workerCounts, status) > 0;
}

/**
 * Which clusters a filter from the query string keeps; unknown values filter nothing. A tag
 * keeps the clusters in `tagMatches`; until the OC has answered for that tag, those that carry
 * it themselves (a subset of the answer).
 */
export function clusterMatcher({ q, health, status, tag }: ClusterFilterValues, tagMatches: TagMatches | null): (cluster: ClusterSummary) => boolean {
  const text = q.trim().toLowerCase();
  const wantedTag = normalizeTag(tag);
  const carriesTag = (cluster: ClusterSummary) =>
    tagMatches?.tag === wantedTag ? tagMatches.clusterIds.has(cluster.id) : cluster.tags.includes(wantedTag) || clusterGroups(cluster).includes(wantedTag);
  return (cluster) =>
    (!text || cluster.name.toLowerCase().includes(text) || cluster.productKind.toLowerCase().includes(text)) &&
    (!isClusterHealth(health) || cluster.health === health) &&
    (!isNodeStatus(status) || hasStatus(cluster, status)) &&
    (!wantedTag || carriesTag(cluster));
}
