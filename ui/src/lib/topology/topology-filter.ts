import { isNodeStatus } from '$lib/nodes/node-status';
import { normalizeTag } from '$lib/tags/tags';
import type { TopologyNode } from './topology.svelte';

export interface NodeFilterValues {
  q: string;
  status: string;
  tag: string;
}

export function isFiltering({ q, status, tag }: NodeFilterValues): boolean {
  return Boolean(q.trim() || isNodeStatus(status) || normalizeTag(tag));
}

/** Which nodes a filter from the query string keeps: by node or cluster name, status and tag. */
export function nodeMatcher({ q, status, tag }: NodeFilterValues): (node: TopologyNode) => boolean {
  const text = q.trim().toLowerCase();
  const wantedTag = normalizeTag(tag);
  return (node) =>
    (!text || node.name.toLowerCase().includes(text) || node.clusterName.toLowerCase().includes(text)) &&
    (!isNodeStatus(status) || node.status === status) &&
    (!wantedTag || node.effectiveTags.includes(wantedTag));
}
