import type { EventDraft } from '../../shared/events.ts';
import type { OperationKind, OperationRow, OperationState, StepRow, StepState } from './operations.table.ts';

export interface OperationUpdatedPayload {
  operationId: string;
  kind: OperationKind;
  state: OperationState;
  reason: string;
  /** Steps by state. */
  counts: Record<StepState, number>;
  tags: string[];
}

export interface StepUpdatedPayload {
  operationId: string;
  stepId: string;
  /** From 0. */
  batch: number;
  position: number;
  canary: boolean;
  nodeName: string;
  clusterName: string;
  state: StepState;
  message: string;
  attempts: number;
  tags: string[];
}

export type OperationUpdatedEvent = EventDraft<'OPERATION_UPDATED', OperationUpdatedPayload>;
export type StepUpdatedEvent = EventDraft<'STEP_UPDATED', StepUpdatedPayload>;
/** Everything on the operations channel. */
export type OperationsEvent = OperationUpdatedEvent | StepUpdatedEvent;

export function operationEvent(operation: OperationRow, counts: Record<StepState, number>): OperationUpdatedEvent {
  return {
    channel: 'operations',
    type: 'OPERATION_UPDATED',
    clusterId: null,
    nodeId: null,
    payload: { operationId: operation.id, kind: operation.kind, state: operation.state, reason: operation.stateReason, counts, tags: [] },
  };
}

export function stepEvent(operation: OperationRow, step: StepRow): StepUpdatedEvent {
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
