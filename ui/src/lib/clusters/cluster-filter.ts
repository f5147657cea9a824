import type { NodeStatus } from '$lib/graphql/enums';
import { countOf, isNodeStatus } from '$lib/nodes/node-status';
import { clusterGroups, normalizeTag } from '$lib/tags/tags';
import type { ClusterSummary } from './clusters.graphql';
import { isClusterHealth } from './cluster-health';

export interface ClusterFilterValues {
  q: string;
  health: string;
  status: string;
  tag: string;
}

function hasStatus(cluster: ClusterSummary, status: NodeStatus): boolean {
  return cluster.managerStatus === status || countOf(cluster.workerCounts, status) > 0;
}

/** Which clusters a filter from the query string keeps; unknown values filter nothing. */
export function clusterMatcher({ q, health, status, tag }: ClusterFilterValues): (cluster: ClusterSummary) => boolean {
  const text = q.trim().toLowerCase();
  const wantedTag = normalizeTag(tag);
  return (cluster) =>
    (!text || cluster.name.toLowerCase().includes(text) || cluster.productKind.toLowerCase().includes(text)) &&
    (!isClusterHealth(health) || cluster.health === health) &&
    (!isNodeStatus(status) || hasStatus(cluster, status)) &&
    (!wantedTag || cluster.tags.includes(wantedTag) || clusterGroups(cluster).includes(wantedTag));
}
