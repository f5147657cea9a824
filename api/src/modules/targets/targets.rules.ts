import type { Target, TargetInput } from './targets.types.ts';

/** What deciding whether a target selects a node needs: the node, its cluster and its effective tags. */
export interface TargetSubject {
  nodeId: string;
  clusterId: string;
  /** As tags.rules' effectiveTags gives them: implicit groups, the cluster's tags and the node's own. */
  tags: readonly string[];
}

/** Whether `target` selects the node: the same answer as the node list's query, for one node in memory. */
export function targetSelects(target: Target, subject: TargetSubject): boolean {
  switch (target.kind) {
    case 'ALL':
      return true;
    case 'CLUSTERS':
      return target.clusterIds.includes(subject.clusterId);
    case 'NODES':
      return target.nodeIds.includes(subject.nodeId);
    case 'TAGS':
      return target.match === 'ALL' ? target.tags.every((tag) => subject.tags.includes(tag)) : target.tags.some((tag) => subject.tags.includes(tag));
  }
}

const RANK: Record<Target['kind'], number> = { ALL: 0, TAGS: 1, CLUSTERS: 2, NODES: 3 };

/** How specific a target is: named nodes over clusters over tags over the whole system. */
export function targetRank(target: Target): number {
  return RANK[target.kind];
}

/** A stored target as the input that selects the same nodes (to plan it again later). */
export function targetInput(target: Target): TargetInput {
  switch (target.kind) {
    case 'ALL':
      return { all: true };
    case 'CLUSTERS':
      return { clusters: target.clusterIds };
    case 'NODES':
      return { nodes: target.nodeIds };
    case 'TAGS':
      return { tags: { tags: target.tags, match: target.match } };
  }
}
