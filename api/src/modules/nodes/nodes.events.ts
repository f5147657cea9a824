import type { EventDraft } from '../events/events.types.ts';

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
  | 'TAGS_CHANGED';

export interface TopologyPayload {
  clusterId: string;
  clusterName: string;
  nodeId?: string;
  nodeName?: string;
  role?: 'MANAGER' | 'WORKER';
  /** Effective tags of the node (or the cluster) at the time of the event; filters match on them. */
  tags: string[];
}

export function topologyEvent(type: TopologyEventType, payload: TopologyPayload): EventDraft {
  return {
    channel: 'topology',
    type,
    clusterId: payload.clusterId,
    nodeId: payload.nodeId ?? null,
    payload: { ...payload },
  };
}
