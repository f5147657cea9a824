import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { validateId } from '../../shared/validation.ts';
import { NodeRoleEnum } from '../nodes/nodes.schema.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import { counts } from './operations.decide.ts';
import { type DeployChange, type DeployedFile, describeChange } from './operations.deploy.ts';
import { StrategyInput } from './operations.inputs.ts';
import type { ClusterBudgetCheck, OperationPlan } from './operations.service.ts';
import type { Strategy } from './operations.strategy.ts';
import type { OperationRow, StepRow } from './operations.table.ts';

export const OperationKindEnum = builder.enumType('OperationKind', {
  description: 'What an operation does.',
  values: {
    RESTART: { description: 'Restart the listed nodes (target.nodes).' },
    ROLLING_RESTART: { description: 'Restart a target (the system, clusters, tags or nodes) batch by batch, each node health-gated.' },
    DEPLOY: {
      description:
        'Bring the workers of a target to their baselines (or put the given content items on them) batch by batch: each node’s manager switches its files in, ' +
        'restarts it if a file needs that, and keeps the change only if the node stays healthy with it loaded; otherwise the step ends REVERTED.',
    },
  },
});

export const OperationStateEnum = builder.enumType('OperationState', {
  description: 'Where an operation stands. SUCCEEDED, FAILED, CANCELLED and TIMED_OUT are final.',
  values: {
    PENDING: { description: 'Created, not started yet.' },
    RUNNING: { description: 'Steps are in flight.' },
    WAITING: { description: 'Nothing can start now (a disruption budget, an unreachable manager, a pause between batches); see stateReason.' },
    PAUSED: { description: 'Paused by a person: steps in flight finish, no new ones start.' },
    AWAITING_PROMOTION: { description: 'The canaries are done; waiting for promoteOperation.' },
    SUCCEEDED: { description: 'Every step is done (tolerated failures are counted in the reason).' },
    FAILED: { description: 'Aborted: more failures than maxFailures, or a canary failed.' },
    CANCELLED: { description: 'Cancelled by a person.' },
    TIMED_OUT: { description: 'No node became healthy within progressDeadline.' },
  },
});

export const StepStateEnum = builder.enumType('StepState', {
  description: 'Where one node’s step stands. SUCCEEDED, FAILED, CANCELLED and TIMED_OUT are final.',
  values: {
    PENDING: { description: 'Not started.' },
    DISPATCHED: { description: 'Sent to the node’s manager; the node is in maintenance.' },
    RESTARTED: { description: 'The manager restarted it; waiting until it has stayed healthy for minHealthyTime.' },
    SUCCEEDED: { description: 'Restarted and healthy.' },
    FAILED: { description: 'The restart failed, the manager refused it, or the manager became unreachable.' },
    CANCELLED: { description: 'Not run: the operation was cancelled or aborted first.' },
    TIMED_OUT: { description: 'Not healthy within healthyDeadline.' },
    REVERTED: { description: 'DEPLOY: the change did not stay healthy with its files loaded; the manager put the previous files back (counts as a failure).' },
  },
});

const StepPhaseEnum = builder.enumType('StepPhase', {
  description: 'What a step does to its node.',
  values: {
    APPLY: { description: 'Carries out the operation.' },
    ROLLBACK: { description: 'Undoes a DEPLOY’s change, after the operation failed with rollbackOnFailure.' },
  },
});

const DeployedFileRef = builder.objectRef<DeployedFile>('DeployedFile').implement({
  description: 'A file a DEPLOY step puts on its node.',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'PATCH, ARTIFACT or CONFIG.' }),
    name: t.exposeString('name', { description: 'Its file name.' }),
    version: t.exposeString('version', { description: 'The content item’s version.' }),
    sha256: t.exposeString('sha256', { description: 'The SHA-256 the node must have (for a configuration file: as rendered for it).' }),
    contentItemId: t.exposeID('itemId', { description: 'The content item.' }),
  }),
});

const DeployChangeRef = builder.objectRef<DeployChange>('DeployChange').implement({
  description: 'What a DEPLOY step changes on its node.',
  fields: (t) => ({
    install: t.field({ type: [DeployedFileRef], description: 'Files put in place.', resolve: (change) => change.install }),
    remove: t.field({
      type: ['String'],
      description: 'Files taken away (kind/name).',
      resolve: (change) => change.remove.map((file) => `${file.kind}/${file.name}`),
    }),
    restart: t.exposeBoolean('restart', { description: 'Whether the node restarts to take it in.' }),
    summary: t.string({ description: 'In one line, for people.', resolve: (change) => describeChange(change) }),
  }),
});

const DeployInput = builder.inputType('DeployInput', {
  description: 'What a DEPLOY delivers.',
  fields: (t) => ({
    items: t.idList({
      description: 'Put these content items on every worker of the target (nothing is removed). Omit to bring each node to what its baselines want.',
    }),
  }),
});

const StrategyRef = builder.objectRef<Strategy>('Strategy').implement({
  description: 'How an operation proceeds.',
  fields: (t) => ({
    maxParallel: t.exposeInt('maxParallel', { description: 'Nodes per batch.' }),
    maxUnavailable: t.int({
      nullable: true,
      description: 'Per cluster, nodes that may be unavailable at once (all operations and unhealthy nodes count; see ClusterBudget).',
      resolve: (strategy) => ('count' in strategy.maxUnavailable ? strategy.maxUnavailable.count : null),
    }),
    maxUnavailablePercent: t.int({
      nullable: true,
      description: 'The same as a percentage of each cluster (rounded down).',
      resolve: (strategy) => ('percent' in strategy.maxUnavailable ? strategy.maxUnavailable.percent : null),
    }),
    minHealthyTime: t.field({
      type: 'Duration',
      description: 'How long a restarted node must stay healthy.',
      resolve: (strategy) => strategy.minHealthyTimeMs,
    }),
    healthyDeadline: t.field({
      type: 'Duration',
      description: 'How long a node may take to become healthy.',
      resolve: (strategy) => strategy.healthyDeadlineMs,
    }),
    progressDeadline: t.field({
      type: 'Duration',
      description: 'How long the operation may go without a node becoming healthy.',
      resolve: (strategy) => strategy.progressDeadlineMs,
    }),
    maxFailures: t.exposeInt('maxFailures', { description: 'Failures tolerated; one more aborts.' }),
    canary: t.exposeInt('canary', { description: 'Nodes restarted first, as batch 1.' }),
    autoPromote: t.exposeBoolean('autoPromote', { description: 'Continue after healthy canaries without promotion.' }),
    pauseBetweenBatches: t.field({ type: 'Duration', description: 'Wait between batches.', resolve: (strategy) => strategy.pauseBetweenBatchesMs }),
    includeManagers: t.exposeBoolean('includeManagers', { description: 'Managers are restarted too, last.' }),
    rollbackOnFailure: t.exposeBoolean('rollbackOnFailure', { description: 'DEPLOY: a failed operation reverts the nodes it changed.' }),
  }),
});

export const OperationInput = builder.inputType('OperationInput', {
  description: 'An operation to run.',
  fields: (t) => ({
    kind: t.field({ type: OperationKindEnum, required: true, description: 'What to do.' }),
    target: t.field({ type: TargetInput, required: true, description: 'On which nodes.' }),
    strategy: t.field({ type: StrategyInput, description: 'How.' }),
    description: t.string({ description: 'Why, for people.' }),
    deploy: t.field({ type: DeployInput, description: 'DEPLOY: what to deliver (default: each node’s baselines).' }),
  }),
});

type OperationArgs = { deploy?: { items?: (string | number)[] | null } | null; strategy?: StrategyArgs };

/** GraphQL's operation input to the service's. */
export function operationFromInput<Input extends OperationArgs>(input: Input) {
  return {
    ...input,
    strategy: strategyFromInput(input.strategy),
    deploy: input.deploy ? { itemIds: input.deploy.items ? input.deploy.items.map(String) : null } : null,
  };
}

type StrategyArgs = { [key: string]: unknown } | null | undefined;

/** GraphQL's strategy fields to the service's: durations arrive in milliseconds. */
export function strategyFromInput(input: StrategyArgs) {
  if (!input) return null;
  const { minHealthyTime, healthyDeadline, progressDeadline, pauseBetweenBatches, ...rest } = input as Record<string, number | boolean | null>;
  return {
    ...rest,
    minHealthyTimeMs: minHealthyTime as number | undefined,
    healthyDeadlineMs: healthyDeadline as number | undefined,
    progressDeadlineMs: progressDeadline as number | undefined,
    pauseBetweenBatchesMs: pauseBetweenBatches as number | undefined,
  } as never;
}

const StepRef = builder.objectRef<StepRow>('OperationStep').implement({
  description: 'One node’s part in an operation.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    batch: t.int({ description: 'Its batch, from 1.', resolve: (step) => step.batch + 1 }),
    position: t.int({ description: 'Its place in the order, from 1.', resolve: (step) => step.position + 1 }),
    canary: t.exposeBoolean('canary', { description: 'Whether it is a canary.' }),
    phase: t.field({ type: StepPhaseEnum, description: 'What it does: APPLY, or ROLLBACK of a DEPLOY.', resolve: (step) => step.phase }),
    change: t.field({ type: DeployChangeRef, nullable: true, description: 'DEPLOY: what it changes on the node.', resolve: (step) => step.change }),
    nodeId: t.exposeID('nodeId', { description: 'The node.' }),
    nodeName: t.exposeString('nodeName', { description: 'The node’s name.' }),
    role: t.field({ type: NodeRoleEnum, description: 'The node’s role.', resolve: (step) => step.role as 'WORKER' }),
    clusterId: t.exposeID('clusterId', { description: 'Its cluster.' }),
    clusterName: t.exposeString('clusterName', { description: 'Its cluster’s name.' }),
    state: t.field({ type: StepStateEnum, description: 'Where it stands.', resolve: (step) => step.state }),
    message: t.exposeString('message', { description: 'What happened last, for people.' }),
    attempts: t.exposeInt('attempts', { description: 'Commands sent for it (more than one only after an epoch change).' }),
    dispatchedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the restart was sent.', resolve: (step) => step.dispatchedAt }),
    restartedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the manager reported it restarted.', resolve: (step) => step.restartedAt }),
    healthyAt: t.field({ type: 'DateTime', nullable: true, description: 'When it had stayed healthy long enough.', resolve: (step) => step.healthyAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it ended.', resolve: (step) => step.finishedAt }),
  }),
});

const StepConnection = connectionOf('OperationStep', StepRef, 'step');

export const ProgressRef = builder.objectRef<Record<string, number>>('OperationProgress').implement({
  description: 'Steps by state.',
  fields: (t) => ({
    total: t.int({ description: 'All steps.', resolve: (c) => Object.values(c).reduce((sum, value) => sum + value, 0) }),
    pending: t.exposeInt('PENDING', { description: 'Not started.' }),
    inFlight: t.int({ description: 'Dispatched or restarted.', resolve: (c) => c.DISPATCHED + c.RESTARTED }),
    succeeded: t.exposeInt('SUCCEEDED', { description: 'Done.' }),
    failed: t.int({ description: 'Failed, timed out or reverted.', resolve: (c) => c.FAILED + c.TIMED_OUT + c.REVERTED }),
    reverted: t.exposeInt('REVERTED', { description: 'DEPLOY steps whose change the manager reverted.' }),
    cancelled: t.exposeInt('CANCELLED', { description: 'Not run.' }),
  }),
});

const BudgetRef = builder.objectRef<ClusterBudgetCheck>('ClusterBudget').implement({
  description:
    'A cluster’s disruption budget for an operation, judged now from its nodes’ current statuses. The engine, planOperation and Operation.budgets ' +
    'all ask the same question, so they give the same answer: may the step started next in this cluster start now, and why (not).',
  fields: (t) => ({
    clusterId: t.exposeID('clusterId', { description: 'The cluster.' }),
    clusterName: t.exposeString('clusterName', { description: 'Its name.' }),
    size: t.exposeInt('size', { description: 'Its nodes in scope when the operation was made: workers, and managers too when the operation restarts one.' }),
    maxUnavailable: t.exposeInt('maxUnavailable', { description: 'How many of them may be unavailable at once, counting every operation and every failure.' }),
    unavailableNow: t.exposeInt('unavailableNow', {
      description:
        'How many of them are unavailable now: in MAINTENANCE (for this or any other operation), DOWN, SUSPECT or UNKNOWN. UP nodes are available; LEFT nodes are not counted at all.',
    }),
    ok: t.exposeBoolean('ok', {
      description:
        'Whether the step the operation starts next in this cluster may start now (for a plan: its first step there; with no step left to start: whether an UP node could be taken down). ' +
        'An UP node is taken down only while unavailableNow < maxUnavailable. A node that is itself DOWN or SUSPECT takes no budget, since restarting it takes nothing more down, ' +
        'so it may be restarted at any count: that is how a cluster with more failed nodes than its budget is healed. Never while its manager is unreachable, nor while the node is in maintenance for another operation or UNKNOWN.',
    }),
    reason: t.exposeString('reason', { description: 'Why, in the words the engine uses in stateReason while it waits.' }),
  }),
});

export const OperationRef = builder.objectRef<OperationRow>('Operation').implement({
  description: 'A fleet operation (restart, rolling restart) and where it stands.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    kind: t.field({ type: OperationKindEnum, description: 'What it does.', resolve: (operation) => operation.kind }),
    description: t.exposeString('description', { description: 'Why, for people.' }),
    state: t.field({ type: OperationStateEnum, description: 'Where it stands.', resolve: (operation) => operation.state }),
    stateReason: t.exposeString('stateReason', { description: 'Why it is in that state.' }),
    target: t.field({ type: 'JSONObject', description: 'The target as resolved when it was created.', resolve: (operation) => operation.target }),
    strategy: t.field({ type: StrategyRef, description: 'How it proceeds.', resolve: (operation) => operation.strategy }),
    budgets: t.field({
      type: [BudgetRef],
      description: 'The disruption budget of each cluster it touches, judged now for the step it starts next there.',
      resolve: (operation, _args, context) => context.services.operations.budgets(operation),
    }),
    epoch: t.exposeInt('epoch', { description: 'Fencing epoch; raised whenever an OC takes the operation over.' }),
    requestedBy: t.exposeString('requestedBy', { description: 'Who (or which schedule) started it.' }),
    scheduleId: t.exposeID('scheduleId', { nullable: true, description: 'The schedule that fired it, if any.' }),
    scheduledFor: t.field({ type: 'DateTime', nullable: true, description: 'The scheduled time it ran for.', resolve: (operation) => operation.scheduledFor }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (operation) => operation.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, description: 'When its first step was sent.', resolve: (operation) => operation.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it ended.', resolve: (operation) => operation.finishedAt }),
    progress: t.field({
      type: ProgressRef,
      description: 'Steps by state.',
      resolve: async (operation, _args, context) => counts(await context.services.operations.allSteps(operation.id)),
    }),
    steps: t.field({
      type: StepConnection,
      description: 'Its steps, in order.',
      args: pageArgs,
      resolve: (operation, args, context) => context.services.operations.steps(operation.id, args),
    }),
  }),
});

const OperationConnection = connectionOf('Operation', OperationRef, 'operation');

const PlannedBatchRef = builder.objectRef<{ index: number; steps: OperationPlan['steps'] }>('PlannedBatch').implement({
  description: 'A batch of a planned operation.',
  fields: (t) => ({
    number: t.int({ description: 'Its number, from 1.', resolve: (batch) => batch.index + 1 }),
    canary: t.boolean({ description: 'Whether these are the canaries.', resolve: (batch) => batch.steps.every((step) => step.canary) }),
    nodes: t.field({
      type: [
        builder.objectRef<OperationPlan['steps'][number]>('PlannedNode').implement({
          description: 'A node in a planned batch.',
          fields: (n) => ({
            nodeId: n.exposeID('id', { description: 'The node.' }),
            nodeName: n.exposeString('name', { description: 'Its name.' }),
            clusterName: n.exposeString('clusterName', { description: 'Its cluster.' }),
            role: n.field({ type: NodeRoleEnum, description: 'Its role.', resolve: (node) => node.role }),
            status: n.exposeString('status', { description: 'Its status now.' }),
            change: n.field({ type: DeployChangeRef, nullable: true, description: 'DEPLOY: what it would change.', resolve: (node) => node.change ?? null }),
          }),
        }),
      ],
      description: 'The nodes, in order.',
      resolve: (batch) => batch.steps,
    }),
  }),
});

const PlanRef = builder.objectRef<OperationPlan>('OperationPlan').implement({
  description: 'What an operation would do, without running anything.',
  fields: (t) => ({
    kind: t.field({ type: OperationKindEnum, description: 'What it would do.', resolve: (plan) => plan.kind }),
    strategy: t.field({ type: StrategyRef, description: 'The strategy with defaults filled in.', resolve: (plan) => plan.strategy }),
    nodeCount: t.int({ description: 'Nodes it would restart (DEPLOY: change).', resolve: (plan) => plan.steps.length }),
    batches: t.field({
      type: [PlannedBatchRef],
      description: 'The ordered batches.',
      resolve: (plan) => {
        const batches = new Map<number, OperationPlan['steps']>();
        for (const step of plan.steps) batches.set(step.batch, [...(batches.get(step.batch) ?? []), step]);
        return [...batches].map(([index, steps]) => ({ index, steps }));
      },
    }),
    budgets: t.field({
      type: [BudgetRef],
      description: 'Each cluster’s budget and whether the plan’s first step there could start now.',
      resolve: (plan) => plan.budgets,
    }),
    warnings: t.exposeStringList('warnings', { description: 'Things to know before starting (conflicts included).' }),
    conflicts: t.exposeStringList('conflicts', {
      description:
        'DEPLOY: files that equally specific baselines want differently on a node of the target. createOperation refuses such a plan (BASELINE_CONFLICT).',
    }),
  }),
});

const OperationFilterInput = builder.inputType('OperationFilter', {
  description: 'Narrows a list of operations.',
  fields: (t) => ({
    states: t.field({ type: [OperationStateEnum], description: 'Only these states.' }),
    kinds: t.field({ type: [OperationKindEnum], description: 'Only these kinds.' }),
    clusters: t.idList({ description: 'Only operations touching these clusters (ids).' }),
    scheduleId: t.id({ description: 'Only operations fired by this schedule.' }),
  }),
});

builder.queryFields((t) => ({
  operations: t.field({
    type: OperationConnection,
    description: 'Operations, newest first.',
    args: { filter: t.arg({ type: OperationFilterInput, description: 'Narrow the list.' }), ...pageArgs },
    authScopes: { viewer: true },
    resolve: (_root, args, context) =>
      context.services.operations.list(
        {
          states: args.filter?.states,
          kinds: args.filter?.kinds,
          clusterIds: args.filter?.clusters?.map((id) => validateId(String(id), 'clusters')),
          scheduleId: args.filter?.scheduleId ? validateId(String(args.filter.scheduleId), 'scheduleId') : null,
        },
        args,
      ),
  }),
  operation: t.field({
    type: OperationRef,
    nullable: true,
    description: 'One operation, or null.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => (await context.services.operations.find(String(args.id))) ?? null,
  }),
  planOperation: t.field({
    type: PlanRef,
    description: 'A dry run: the ordered batches and each cluster’s budget check. Nothing runs.',
    args: { input: t.arg({ type: OperationInput, required: true, description: 'The operation to plan.' }) },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.operations.plan(operationFromInput(args.input)),
  }),
}));

builder.mutationFields((t) => ({
  createOperation: mutation(t, 'operation.create', 'OPERATOR', {
    type: OperationRef,
    description: 'Starts an operation. With an idempotency key, repeating the same request returns the same operation.',
    args: {
      input: t.arg({ type: OperationInput, required: true, description: 'The operation.' }),
      idempotencyKey: t.arg.string({ description: 'A key of your choice (e.g. a UUID) that makes retries safe.' }),
    },
    resolve: (meta, args, context) => context.services.operations.create(meta, { ...operationFromInput(args.input), idempotencyKey: args.idempotencyKey }),
  }),
  pauseOperation: mutation(t, 'operation.pause', 'OPERATOR', {
    type: OperationRef,
    description: 'Pauses: steps in flight finish, no new ones start.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    resolve: (meta, args, context) => context.services.operations.pause(meta, String(args.id)),
  }),
  resumeOperation: mutation(t, 'operation.resume', 'OPERATOR', {
    type: OperationRef,
    description: 'Resumes a paused operation.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    resolve: (meta, args, context) => context.services.operations.resume(meta, String(args.id)),
  }),
  cancelOperation: mutation(t, 'operation.cancel', 'OPERATOR', {
    type: OperationRef,
    description: 'Cancels: steps in flight finish safely, no new ones start; it ends CANCELLED.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    resolve: (meta, args, context) => context.services.operations.cancel(meta, String(args.id)),
  }),
  promoteOperation: mutation(t, 'operation.promote', 'OPERATOR', {
    type: OperationRef,
    description: 'Lets an operation waiting after its canaries continue.',
    args: { id: t.arg.id({ required: true, description: 'The operation id.' }) },
    resolve: (meta, args, context) => context.services.operations.promote(meta, String(args.id)),
  }),
}));
