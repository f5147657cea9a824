import { isUuid } from '../shared/validation.ts';
import { type ApiClient, RESULT_ERROR, unwrap } from './api-client.ts';
import { CliError, EXIT } from './cli-error.ts';

export const OPERATION_STATES = ['PENDING', 'RUNNING', 'WAITING', 'PAUSED', 'AWAITING_PROMOTION', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];
export const FINAL_STATES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);
export const OPERATION_KINDS = ['RESTART', 'ROLLING_RESTART', 'DEPLOY'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export interface Progress {
  total: number;
  pending: number;
  inFlight: number;
  succeeded: number;
  failed: number;
  reverted: number;
  cancelled: number;
}

export interface Step {
  id: string;
  batch: number;
  position: number;
  canary: boolean;
  nodeName: string;
  clusterName: string;
  role: string;
  phase: 'APPLY' | 'ROLLBACK';
  state: string;
  message: string;
  dispatchedAt: string | null;
  restartedAt: string | null;
  healthyAt: string | null;
  finishedAt: string | null;
}

export interface Strategy {
  maxParallel: number;
  maxUnavailable: number | null;
  maxUnavailablePercent: number | null;
  minHealthyTime: string;
  healthyDeadline: string;
  progressDeadline: string;
  maxFailures: number;
  canary: number;
  autoPromote: boolean;
  pauseBetweenBatches: string;
  includeManagers: boolean;
  rollbackOnFailure: boolean;
}

export interface Budget {
  clusterName: string;
  size: number;
  maxUnavailable: number;
  unavailableNow: number;
  ok: boolean;
  reason: string;
}

export interface OperationSummary {
  id: string;
  kind: OperationKind;
  state: OperationState;
  stateReason: string;
  description: string;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: Progress;
}

export interface Operation extends OperationSummary {
  target: Record<string, unknown>;
  strategy: Strategy;
  budgets: Budget[];
  steps: Step[];
}

export interface Plan {
  kind: OperationKind;
  nodeCount: number;
  warnings: string[];
  strategy: Strategy;
  budgets: Budget[];
  batches: {
    number: number;
    canary: boolean;
    nodes: { nodeName: string; clusterName: string; role: string; status: string; change: { summary: string } | null }[];
  }[];
}

export interface Target {
  all?: boolean;
  clusters?: string[];
  tags?: { tags: string[]; match: 'ALL' | 'ANY' };
  nodes?: string[];
}

export interface OperationInput {
  kind: OperationKind;
  target: Target;
  strategy: Record<string, unknown>;
  description?: string;
  deploy?: { items: string[] };
}

export type ProgressEvent =
  | { __typename: 'OperationUpdate'; operationId: string; sequence: number; at: string; state: OperationState; reason: string; progress: Progress }
  | ({ __typename: 'StepUpdate'; operationId: string; sequence: number; at: string } & Pick<
      Step,
      'batch' | 'canary' | 'nodeName' | 'clusterName' | 'message'
    > & {
        stepId: string;
        stepState: string;
      })
  | { __typename: 'OperationResyncRequired'; sequence: number; reason: string };

const PROGRESS = 'progress { total pending inFlight succeeded failed reverted cancelled }';
const STRATEGY =
  'strategy { maxParallel maxUnavailable maxUnavailablePercent minHealthyTime healthyDeadline progressDeadline maxFailures canary autoPromote pauseBetweenBatches includeManagers rollbackOnFailure }';
const BUDGETS = 'budgets { clusterName size maxUnavailable unavailableNow ok reason }';
const SUMMARY = `id kind state stateReason description requestedBy createdAt startedAt finishedAt ${PROGRESS}`;
const STEP_PAGE =
  'steps(first: 100, after: $after) { nodes { id batch position canary nodeName clusterName role phase state message dispatchedAt restartedAt healthyAt finishedAt } pageInfo { hasNextPage endCursor } }';
const CONTROL = `id state stateReason`;

/**
 * The operation with all its steps, and the event sequence read before it: subscribing after
 * that sequence misses nothing that happened since.
 */
export async function fetchOperation(client: ApiClient, id: string): Promise<{ operation: Operation; sequence: number }> {
  type StepPage = { nodes: Step[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  type Page = { eventSequence: number; operation: (Omit<Operation, 'steps'> & { steps: StepPage }) | null };
  const query = `query($id: ID!, $after: String) { eventSequence operation(id: $id) { ${SUMMARY} target ${STRATEGY} ${BUDGETS} ${STEP_PAGE} } }`;
  const first = await client.request<Page>(query, { id, after: null });
  if (!first.operation) throw new CliError(`no operation with id ${id}`, EXIT.REFUSED);
  const steps = [...first.operation.steps.nodes];
  let pageInfo = first.operation.steps.pageInfo;
  while (pageInfo.hasNextPage) {
    const next = await client.request<{ operation: { steps: StepPage } | null }>(`query($id: ID!, $after: String) { operation(id: $id) { ${STEP_PAGE} } }`, {
      id,
      after: pageInfo.endCursor,
    });
    if (!next.operation) throw new CliError(`operation ${id} disappeared while it was being read`, EXIT.REFUSED);
    steps.push(...next.operation.steps.nodes);
    pageInfo = next.operation.steps.pageInfo;
  }
  return { operation: { ...first.operation, steps }, sequence: first.eventSequence };
}

export async function listOperations(client: ApiClient, filter: { states?: string[]; kinds?: string[] }, first: number) {
  const data = await client.request<{ operations: { totalCount: number; nodes: OperationSummary[] } }>(
    `query($filter: OperationFilter, $first: Int!) { operations(filter: $filter, first: $first) { totalCount nodes { ${SUMMARY} } } }`,
    { filter, first },
  );
  return data.operations;
}

export async function planOperation(client: ApiClient, input: OperationInput): Promise<Plan> {
  const data = await client.request<{ planOperation: Plan }>(
    `query($input: OperationInput!) { planOperation(input: $input) {
      kind nodeCount warnings ${STRATEGY} ${BUDGETS}
      batches { number canary nodes { nodeName clusterName role status change { summary } } }
    } }`,
    { input },
  );
  return data.planOperation;
}

export async function createOperation(client: ApiClient, input: OperationInput, idempotencyKey?: string): Promise<{ id: string }> {
  const data = await client.request<{ createOperation: { id: string } }>(
    `mutation($input: OperationInput!, $key: String) { createOperation(input: $input, idempotencyKey: $key) { ${RESULT_ERROR} ... on Operation { id } } }`,
    { input, key: idempotencyKey ?? null },
  );
  return unwrap(data.createOperation);
}

export type ControlAction = 'pause' | 'resume' | 'cancel' | 'promote';

export async function controlOperation(client: ApiClient, action: ControlAction, id: string): Promise<Pick<Operation, 'id' | 'state' | 'stateReason'>> {
  const field = `${action}Operation`;
  const data = await client.request<Record<string, Pick<Operation, 'id' | 'state' | 'stateReason'>>>(
    `mutation($id: ID!) { ${field}(id: $id) { ${RESULT_ERROR} ... on Operation { ${CONTROL} } } }`,
    { id },
  );
  return unwrap(data[field]);
}

/** Step states are aliased: a selection may not use one name for two enum types. */
export function progressSubscription(id: string, afterSequence: number) {
  return {
    query: `subscription($id: ID!, $after: SafeInt) { operationProgress(id: $id, afterSequence: $after) {
      __typename
      ... on OperationUpdate { operationId sequence at state reason ${PROGRESS} }
      ... on StepUpdate { operationId sequence at stepId batch canary nodeName clusterName stepState: state message }
      ... on OperationResyncRequired { sequence reason }
    } }`,
    variables: { id, after: afterSequence },
  };
}

/**
 * Turns node names into the ids a target takes. Names are unique within a cluster only, so
 * "cluster/name" picks one where a bare name is ambiguous; an id is passed through.
 */
export async function resolveNodes(client: ApiClient, references: string[]): Promise<string[]> {
  if (references.every((reference) => isUuid(reference))) return references;
  const nodes: { id: string; name: string; cluster: { name: string } }[] = [];
  let after: string | null = null;
  do {
    const page: { nodes: { nodes: typeof nodes; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await client.request(
      `query($after: String) { nodes(first: 100, after: $after) { nodes { id name cluster { name } } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    nodes.push(...page.nodes.nodes);
    after = page.nodes.pageInfo.hasNextPage ? page.nodes.pageInfo.endCursor : null;
  } while (after);
  return references.map((reference) => {
    if (isUuid(reference)) return reference;
    const slash = reference.indexOf('/');
    const [cluster, name] = slash > 0 ? [reference.slice(0, slash), reference.slice(slash + 1)] : [null, reference];
    const matches = nodes.filter((node) => node.name === name && (cluster === null || node.cluster.name === cluster));
    if (matches.length === 0) throw new CliError(`no node named "${reference}"`, EXIT.REFUSED);
    if (matches.length > 1) {
      const clusters = matches.map((node) => node.cluster.name).join(', ');
      throw new CliError(`node name "${name}" is in more than one cluster (${clusters}); write it as cluster/${name}`, EXIT.REFUSED);
    }
    return matches[0].id;
  });
}
