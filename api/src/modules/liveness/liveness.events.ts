import type { EventDraft } from '../events/events.types.ts';
import type { NodeStatus, StatusCause } from './liveness.table.ts';

export interface StatusTransition {
  nodeId: string;
  nodeName: string;
  clusterId: string;
  clusterName: string;
  role: 'MANAGER' | 'WORKER';
  from: NodeStatus;
  to: NodeStatus;
  cause: StatusCause;
  at: Date;
  /** The node's effective tags (its own, its cluster's and the implicit groups) when it changed. */
  tags: string[];
}

export function statusChanged(transition: StatusTransition): EventDraft {
  return {
    channel: 'status',
    type: 'NODE_STATUS_CHANGED',
    clusterId: transition.clusterId,
    nodeId: transition.nodeId,
    payload: { ...transition, at: transition.at.toISOString() },
  };
}
