import type { OperationKind, OperationState, StepState } from '$lib/graphql/enums';
import { formatCounted, nounFor } from '$lib/utils/format';

/** Newest-first lists and filters show states in the order an operation goes through them. */
export const OPERATION_STATES: readonly OperationState[] = [
  'PENDING',
  'RUNNING',
  'WAITING',
  'AWAITING_PROMOTION',
  'PAUSED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
];

export const OPERATION_KINDS: readonly OperationKind[] = ['ROLLING_RESTART', 'RESTART', 'DEPLOY'];

export const OPERATION_STATE_LABELS: Record<OperationState, string> = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  WAITING: 'Waiting',
  AWAITING_PROMOTION: 'Awaiting promotion',
  PAUSED: 'Paused',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  TIMED_OUT: 'Timed out',
};

export const OPERATION_KIND_LABELS: Record<OperationKind, string> = {
  ROLLING_RESTART: 'Rolling restart',
  RESTART: 'Restart',
  DEPLOY: 'Deploy',
};

export const STEP_STATE_LABELS: Record<StepState, string> = {
  PENDING: 'Pending',
  DISPATCHED: 'Restarting',
  RESTARTED: 'Checking health',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  TIMED_OUT: 'Timed out',
  REVERTED: 'Reverted',
  CANCELLED: 'Not run',
};

/** A DEPLOY step in flight downloads and switches files before it restarts the worker. */
const DEPLOY_STEP_STATE_LABELS: Partial<Record<StepState, string>> = {
  DISPATCHED: 'Deploying',
};

export function stepStateLabel(state: StepState, kind?: OperationKind): string {
  return (kind === 'DEPLOY' ? DEPLOY_STEP_STATE_LABELS[state] : undefined) ?? STEP_STATE_LABELS[state];
}

const FINAL_STATES: readonly OperationState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

export function isOperationState(value: string): value is OperationState {
  return OPERATION_STATES.includes(value as OperationState);
}

export function isOperationKind(value: string): value is OperationKind {
  return OPERATION_KINDS.includes(value as OperationKind);
}

export function isFinal(state: OperationState): boolean {
  return FINAL_STATES.includes(state);
}

/** The stored target of an operation or schedule (`{ kind: 'CLUSTERS', clusterIds }` and so on), in words. */
export function describeTarget(target: Record<string, unknown>, clusterNames: ReadonlyMap<string, string> = new Map()): string {
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  switch (target.kind) {
    case 'ALL':
      return 'the whole system';
    case 'CLUSTERS': {
      const names = list(target.clusterIds).map((id) => clusterNames.get(id) ?? id);
      return `${nounFor(names.length, 'cluster')} ${names.join(', ')}`;
    }
    case 'TAGS': {
      const tags = list(target.tags);
      const joiner = target.match === 'ANY' ? ' or ' : ' and ';
      return `${nounFor(tags.length, 'tag')} ${tags.join(joiner)}`;
    }
    case 'NODES':
      return formatCounted(list(target.nodeIds).length, 'node');
    default:
      return 'unknown target';
  }
}
