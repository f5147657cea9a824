import type { EventDraft } from './events.ts';

/**
 * The topology channel's contract. Clusters, nodes, tags, liveness, agents and inventory all announce
 * topology changes, so it lives in the shared kernel rather than in any one of them.
 */
export type TopologyEventType =
  | 'CLUSTER_REGISTERED'
  | 'CLUSTER_UPDATED'
  | 'CLUSTER_REMOVED'
  | 'CLUSTER_UNREACHABLE'
  | 'CLUSTER_REACHABLE'
  | 'NODE_JOINED'
  | 'NODE_UPDATED'
  | 'NODE_LEFT'
  | 'NODE_REMOVED'
  | 'TAGS_CHANGED'
  | 'INVENTORY_CHANGED';

export interface TopologyPayload {
  clusterId: string;
  clusterName: string;
  nodeId?: string;
  nodeName?: string;
  role?: 'MANAGER' | 'WORKER';
  /** Effective tags of the node (or the cluster) at the time of the event; filters match on them. */
  tags: string[];
}

export type TopologyEvent = EventDraft<TopologyEventType, TopologyPayload>;

export function topologyEvent(type: TopologyEventType, payload: TopologyPayload): TopologyEvent {
  return {
    channel: 'topology',
    type,
    clusterId: payload.clusterId,
    nodeId: payload.nodeId ?? null,
    payload: { ...payload },
  };
}
