import type { EventDraft } from '../events/events.types.ts';
import type { OperationRow, StepRow } from './operations.table.ts';

export function operationEvent(operation: OperationRow, counts: Record<string, number>): EventDraft {
  return {
    channel: 'operations',
    type: 'OPERATION_UPDATED',
    clusterId: null,
    nodeId: null,
    payload: {
      operationId: operation.id,
      kind: operation.kind,
      state: operation.state,
      reason: operation.stateReason,
      counts,
      tags: [],
    },
  };
}

export function stepEvent(operation: OperationRow, step: StepRow): EventDraft {
  return {
    channel: 'operations',
    type: 'STEP_UPDATED',
    clusterId: step.clusterId,
    nodeId: step.nodeId,
    payload: {
      operationId: operation.id,
      stepId: step.id,
      batch: step.batch,
      position: step.position,
      canary: step.canary,
      nodeName: step.nodeName,
      clusterName: step.clusterName,
      state: step.state,
      message: step.message,
      attempts: step.attempts,
      tags: [],
    },
  };
}
