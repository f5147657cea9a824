import type { NodeCondition } from '../../api/src/modules/liveness/liveness.service.ts';
import type { NodeStatus } from '../../api/src/modules/liveness/liveness.table.ts';
import type { Decision, OperationProgress } from '../../api/src/modules/operations/operations.decide.ts';
import { budgetsFor, DEFAULT_STRATEGY, type Strategy } from '../../api/src/modules/operations/operations.strategy.ts';
import type { OperationRow, StepRow, StepState } from '../../api/src/modules/operations/operations.table.ts';

/**
 * An operation and its fleet in a few words:
 * - nodes: 'w1:UP w2:DOWN b/w3:UP m:UP' (cluster/name:status; cluster a unless named; names starting with m are managers);
 * - steps: 'w1@0 w2@1:DISPATCHED w3@0*:SUCCEEDED' (name@batch, * for a canary, :state unless PENDING), positions in order;
 * - health: per node, [healthySinceMono, lastReportMono] (default [null, 0]);
 * - timings: monotonic, all 0 unless given; now: 1000 unless given.
 */
export interface Scenario {
  name: string;
  nodes: string;
  steps: string;
  strategy?: Partial<Strategy>;
  row?: Partial<OperationRow>;
  health?: Record<string, [number | null, number]>;
  dispatched?: Record<string, number>;
  restarted?: Record<string, number>;
  lastProgress?: number;
  batchFinished?: Record<number, number>;
  unreachable?: string[];
  now?: number;
  expected: string[];
}

interface FleetNode {
  cluster: string;
  condition: NodeCondition;
}

function fleet(description: string, health: Scenario['health'] = {}): FleetNode[] {
  return description.split(' ').map((entry) => {
    const [where, status] = entry.split(':');
    const [cluster, name] = where.includes('/') ? where.split('/') : ['a', where];
    const [healthySinceMono, lastReportMono] = health[name] ?? [null, 0];
    return {
      cluster,
      condition: {
        nodeId: `id-${name}`,
        name,
        role: name.startsWith('m') ? 'MANAGER' : 'WORKER',
        status: status as NodeStatus,
        healthySinceMono,
        lastReportMono,
      },
    };
  });
}

function stepsOf(description: string, nodes: FleetNode[]): StepRow[] {
  return description.split(' ').map((entry, position) => {
    const [where, state = 'PENDING'] = entry.split(':');
    const [name, batchAndCanary] = where.split('@');
    const node = nodes.find((candidate) => candidate.condition.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return {
      id: `step-${name}`,
      operationId: 'op',
      batch: Number.parseInt(batchAndCanary, 10),
      position,
      canary: batchAndCanary.endsWith('*'),
      clusterId: node.cluster,
      clusterName: node.cluster,
      nodeId: node.condition.nodeId,
      nodeName: name,
      role: node.condition.role,
      phase: 'APPLY',
      change: null,
      state: state as StepState,
      commandId: state === 'PENDING' ? null : `command-${name}`,
      attempts: state === 'PENDING' ? 0 : 1,
      message: '',
      dispatchedAt: null,
      restartedAt: null,
      healthyAt: null,
      finishedAt: null,
    };
  });
}

function operation(strategy: Strategy, nodes: FleetNode[], overrides: Partial<OperationRow> = {}): OperationRow {
  const clusters = [...new Set(nodes.map((node) => node.cluster))].map((id) => ({
    id,
    name: id,
    size: nodes.filter((node) => node.cluster === id && (node.condition.role === 'WORKER' || strategy.includeManagers)).length,
  }));
  const at = new Date(0);
  return {
    id: 'op',
    kind: 'ROLLING_RESTART',
    description: '',
    target: { kind: 'ALL' } as OperationRow['target'],
    strategy,
    deploy: null,
    budgets: budgetsFor(strategy, clusters),
    state: 'RUNNING',
    stateReason: '',
    epoch: 1,
    requestedBy: 'tester',
    requestedById: null,
    scheduleId: null,
    scheduledFor: null,
    idempotencyKey: null,
    inputHash: '',
    cancelRequested: false,
    promoted: false,
    createdAt: at,
    startedAt: at,
    finishedAt: null,
    lastProgressAt: at,
    ...overrides,
  };
}

export function progressOf(scenario: Scenario) {
  const nodes = fleet(scenario.nodes, scenario.health);
  const steps = stepsOf(scenario.steps, nodes);
  const strategy = { ...DEFAULT_STRATEGY, ...scenario.strategy };
  const inFlight = steps.filter((step) => step.state === 'DISPATCHED' || step.state === 'RESTARTED');
  const progress: OperationProgress = {
    row: operation(strategy, nodes, scenario.row),
    steps,
    managers: steps.some((step) => step.role === 'MANAGER'),
    dispatchedMono: new Map(inFlight.map((step) => [step.id, scenario.dispatched?.[step.nodeName] ?? 0])),
    restartedMono: new Map(inFlight.filter((step) => step.state === 'RESTARTED').map((step) => [step.id, scenario.restarted?.[step.nodeName] ?? 0])),
    lastProgressMono: scenario.lastProgress ?? 0,
    batchFinishedMono: new Map(Object.entries(scenario.batchFinished ?? {}).map(([batch, at]) => [Number(batch), at])),
  };
  const conditions = new Map(
    [...new Set(nodes.map((node) => node.cluster))].map((cluster) => [
      cluster,
      { reachable: !scenario.unreachable?.includes(cluster), nodes: nodes.filter((node) => node.cluster === cluster).map((node) => node.condition) },
    ]),
  );
  return { progress, conditions };
}

/** A decision in a few words, for tables. */
export function summary(decision: Decision): string {
  switch (decision.kind) {
    case 'judge':
      return `judge ${decision.step.nodeName} ${decision.state}: ${decision.message}`;
    case 'cancelPending':
      return `cancel ${decision.steps.map((step) => step.nodeName).join(',')}: ${decision.message}`;
    case 'rollback':
      return `roll back ${decision.steps.map((step) => step.nodeName).join(',')}: ${decision.reason}`;
    case 'batchFinished':
      return `batch ${decision.batch} finished at ${decision.at}`;
    case 'dispatch':
      return `dispatch ${decision.step.nodeName}${decision.inPlaceOf ? ` in place of ${decision.inPlaceOf.nodeName}` : ''}`;
    case 'setState':
      return `${decision.state}: ${decision.reason}`;
    case 'finish':
      return `finish ${decision.state}: ${decision.reason}`;
  }
}
