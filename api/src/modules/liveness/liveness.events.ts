import type { EventDraft } from '../../shared/events.ts';
import type { NodeStatus, StatusCause } from './liveness.table.ts';

export interface StatusChangedPayload {
  nodeId: string;
  nodeName: string;
  clusterId: string;
  clusterName: string;
  role: 'MANAGER' | 'WORKER';
  from: NodeStatus;
  to: NodeStatus;
  cause: StatusCause;
  /** When the OC decided it, as ISO 8601. */
  at: string;
  /** The operation that took the node into maintenance or brought it out. */
  operationId?: string | null;
  /** The node's effective tags (its own, its cluster's and the implicit groups) when it changed. */
  tags: string[];
}

export type StatusChangedEvent = EventDraft<'NODE_STATUS_CHANGED', StatusChangedPayload>;

export function statusChanged(transition: Omit<StatusChangedPayload, 'at'> & { at: Date }): StatusChangedEvent {
  return {
    channel: 'status',
    type: 'NODE_STATUS_CHANGED',
    clusterId: transition.clusterId,
    nodeId: transition.nodeId,
    payload: { ...transition, at: transition.at.toISOString() },
  };
}
