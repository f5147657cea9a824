import { builder } from '../../graphql/builder.ts';
import type { CostExtensions } from '../../graphql/limits.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { validateId } from '../../shared/validation.ts';
import { ClusterRef } from '../clusters/clusters.schema.ts';
import { NodeStatusEnum, ReportedStateEnum, StatusCauseEnum } from '../liveness/liveness.schema.ts';
import type { NodeStatsRow, NodeStatus, StatusHistoryRow } from '../liveness/liveness.types.ts';
import { effectiveTags } from '../tags/tags.rules.ts';
import { TargetInput } from '../targets/targets.schema.ts';

export const NodeRoleEnum = builder.enumType('NodeRole', {
  description: 'A node is its cluster’s manager (which talks to the OC) or one of its workers.',
  values: { MANAGER: { description: 'Relays commands and heartbeats for its cluster.' }, WORKER: { description: 'Runs the product.' } },
});

const StatusChangeRef = builder.objectRef<StatusHistoryRow>('StatusChange').implement({
  description: 'One status transition of a node.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Identifier of the transition.' }),
    from: t.field({ type: NodeStatusEnum, description: 'Status before.', resolve: (row) => row.fromStatus }),
    to: t.field({ type: NodeStatusEnum, description: 'Status after.', resolve: (row) => row.toStatus }),
    cause: t.field({ type: StatusCauseEnum, description: 'Why it changed.', resolve: (row) => row.cause }),
    at: t.field({ type: 'DateTime', description: 'When the OC decided it.', resolve: (row) => row.at }),
    operationId: t.exposeID('operationId', { nullable: true, description: 'The operation that took the node into maintenance or brought it out.' }),
  }),
});

const StatusChangeConnection = connectionOf('StatusChange', StatusChangeRef, 'status change');

const StatsPointRef = builder.objectRef<NodeStatsRow>('StatsPoint').implement({
  description: 'A node’s measurements averaged over one minute.',
  fields: (t) => ({
    minute: t.field({ type: 'DateTime', description: 'Start of the minute.', resolve: (row) => row.minute }),
    cpuPercent: t.exposeFloat('cpuPercent', { nullable: true, description: 'Average CPU use, percent of one core.' }),
    memoryBytes: t.exposeFloat('memoryBytes', { nullable: true, description: 'Average resident memory.' }),
    load1: t.exposeFloat('load1', { nullable: true, description: 'Average one-minute load of the host.' }),
    diskPercent: t.exposeFloat('diskPercent', { nullable: true, description: 'Average disk space used.' }),
    samples: t.exposeInt('samples', { description: 'Heartbeats averaged.' }),
  }),
});

interface NodeStatsView {
  cpuPercent: number | null;
  memoryBytes: number | null;
  load1: number | null;
  diskPercent: number | null;
  uptimeSeconds: number | null;
  reportedAt: Date | null;
  current: boolean;
}

const NodeStatsRef = builder.objectRef<NodeStatsView>('NodeStats').implement({
  description:
    'A node’s latest measurements, from the last heartbeat that carried them while it ran. When the node stops reporting they stay, as its last known values.',
  fields: (t) => ({
    cpuPercent: t.exposeFloat('cpuPercent', { nullable: true, description: 'CPU use, percent of one core.' }),
    memoryBytes: t.exposeFloat('memoryBytes', { nullable: true, description: 'Resident memory in bytes.' }),
    load1: t.exposeFloat('load1', { nullable: true, description: 'One-minute load average of the host.' }),
    diskPercent: t.exposeFloat('diskPercent', { nullable: true, description: 'Disk space used, percent.' }),
    uptimeSeconds: t.exposeFloat('uptimeSeconds', {
      nullable: true,
      description: 'Seconds since the node started, when the measurements were taken (it does not go on counting).',
    }),
    reportedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When these measurements were reported; null if never.',
      resolve: (stats) => stats.reportedAt,
    }),
    current: t.exposeBoolean('current', {
      description:
        'True while these are live figures: the node is UP, SUSPECT or in MAINTENANCE, running, and they are recent. False when they are its last known values, taken at reportedAt: it is DOWN, UNKNOWN, LEFT, stopped, or left out of its manager’s recent batches.',
    }),
  }),
});

export const NodeRef = builder.drizzleObject('nodes', {
  name: 'Node',
  description: 'A server in a cluster: its manager or a worker.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique within its cluster (usually the host name).' }),
    role: t.field({ type: NodeRoleEnum, description: 'MANAGER or WORKER.', resolve: (node) => node.role }),
    address: t.exposeString('address', { description: 'Where the node listens, as its manager reports it.' }),
    version: t.string({
      description: 'The product version the node reports.',
      select: { with: { liveness: { columns: { reportedVersion: true } } } },
      resolve: (node) => node.liveness?.reportedVersion || node.version,
    }),
    labels: t.field({ type: 'JSONObject', description: 'Key/value labels its manager reports.', resolve: (node) => node.labels }),
    consoleUrl: t.string({
      nullable: true,
      description:
        'The node’s own management console, or null if it has none. A worker’s is the one its manager reports; the manager’s is its cluster’s consoleUrl.',
      select: { columns: { role: true, consoleUrl: true }, with: { cluster: { columns: { consoleUrl: true } } } },
      resolve: (node) => (node.role === 'MANAGER' ? node.cluster.consoleUrl : node.consoleUrl),
    }),
    joinedAt: t.field({ type: 'DateTime', description: 'When it (last) joined.', resolve: (node) => node.joinedAt }),
    leftAt: t.field({ type: 'DateTime', nullable: true, description: 'When it left, if it did.', resolve: (node) => node.leftAt }),
    cluster: t.relation('cluster', { description: 'The cluster it belongs to.' }),
    status: t.field({
      type: NodeStatusEnum,
      description: 'Current liveness.',
      select: { with: { liveness: { columns: { status: true } } } },
      resolve: (node) => node.liveness?.status ?? 'UNKNOWN',
    }),
    statusCause: t.field({
      type: StatusCauseEnum,
      description: 'Why it has its current status.',
      select: { with: { liveness: { columns: { statusCause: true } } } },
      resolve: (node) => node.liveness?.statusCause ?? 'JOINED',
    }),
    maintenanceOperationId: t.id({
      nullable: true,
      description: 'While the node is in MAINTENANCE: the operation that holds it there.',
      select: { with: { liveness: { columns: { status: true } } } },
      resolve: async (node, _args, context) => {
        if (node.liveness?.status !== 'MAINTENANCE') return null;
        return context.services.liveness.maintenanceOperation(node.id);
      },
    }),
    statusSince: t.field({
      type: 'DateTime',
      description: 'When it entered its current status.',
      select: { with: { liveness: { columns: { statusSince: true } } } },
      resolve: (node) => node.liveness?.statusSince ?? node.joinedAt,
    }),
    reportedState: t.field({
      type: ReportedStateEnum,
      nullable: true,
      description: 'What its manager last observed.',
      select: { with: { liveness: { columns: { reportedState: true } } } },
      resolve: (node) => node.liveness?.reportedState ?? null,
    }),
    lastHeartbeatAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its manager last reported on it, in whatever state (a stopped node is still reported on); see lastHealthyAt.',
      select: { with: { liveness: { columns: { lastSeenAt: true } } } },
      resolve: (node) => node.liveness?.lastSeenAt ?? null,
    }),
    lastHealthyAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its manager last reported it healthy; null if never.',
      select: { with: { liveness: { columns: { lastHealthyAt: true } } } },
      resolve: (node) => node.liveness?.lastHealthyAt ?? null,
    }),
    stats: t.field({
      type: NodeStatsRef,
      nullable: true,
      description: 'Latest measurements, live or last known (see NodeStats.current).',
      select: {
        with: {
          liveness: {
            columns: {
              cpuPercent: true,
              memoryBytes: true,
              load1: true,
              diskPercent: true,
              uptimeSeconds: true,
              statsReportedAt: true,
              status: true,
              reportedState: true,
            },
          },
        },
      },
      resolve: (node, _args, context) => {
        const liveness = node.liveness;
        if (!liveness) return null;
        return { ...liveness, reportedAt: liveness.statsReportedAt, current: context.services.liveness.measurementsCurrent(liveness) };
      },
    }),
    tags: t.stringList({
      description: 'User tags on the node itself.',
      select: { with: { tags: { columns: { tag: true } } } },
      resolve: (node) => node.tags.map((row) => row.tag).sort(),
    }),
    effectiveTags: t.stringList({
      description: 'Every tag the node matches: its own, its cluster’s, and cluster:<name>, product:<kind>, role:<role>.',
      select: {
        columns: { role: true },
        with: { tags: { columns: { tag: true } }, cluster: { columns: { name: true, productKind: true }, with: { tags: { columns: { tag: true } } } } },
      },
      resolve: (node) =>
        effectiveTags(
          { ...node.cluster, tags: node.cluster.tags.map((row) => row.tag).sort() },
          { role: node.role, tags: node.tags.map((row) => row.tag).sort() },
        ),
    }),
    statusHistory: t.field({
      type: StatusChangeConnection,
      description: 'Status transitions, newest first.',
      args: pageArgs,
      resolve: (node, args, context) => context.services.liveness.history(node.id, args),
    }),
    statsSeries: t.field({
      type: [StatsPointRef],
      description: 'Measurements per minute over a window of at most 7 days (default: the last hour).',
      extensions: { maxItems: 7 * 24 * 60 } satisfies CostExtensions,
      args: {
        since: t.arg({ type: 'DateTime', description: 'Start of the window.' }),
        until: t.arg({ type: 'DateTime', description: 'End of the window (default now).' }),
      },
      resolve: (node, args, context) => context.services.liveness.statsSeries(node.id, args),
    }),
  }),
});

export const NodeConnection = connectionOf('Node', NodeRef, 'node');

builder.drizzleObjectField(ClusterRef, 'nodes', (t) =>
  t.field({
    type: NodeConnection,
    description: 'The cluster’s nodes, manager first.',
    args: { statuses: t.arg({ type: [NodeStatusEnum], description: 'Only these statuses.' }), ...pageArgs },
    resolve: (cluster, args, context) =>
      context.services.nodes.list({ target: { clusters: [cluster.id] }, statuses: args.statuses as NodeStatus[] | null }, args),
  }),
);

builder.queryFields((t) => ({
  node: t.drizzleField({
    type: 'nodes',
    nullable: true,
    description: 'One node by id, or null if there is none.',
    args: { id: t.arg.id({ required: true, description: 'The node id.' }) },
    authScopes: { viewer: true },
    resolve: (query, _root, args, context) => context.db.query.nodes.findFirst(query({ where: { id: validateId(String(args.id)) } })),
  }),
  nodes: t.field({
    type: NodeConnection,
    description: 'Nodes chosen by a target (default: all) and statuses, ordered by cluster, role and name.',
    args: {
      target: t.arg({ type: TargetInput, description: 'Which nodes; default the whole system.' }),
      statuses: t.arg({ type: [NodeStatusEnum], description: 'Only nodes with one of these statuses.' }),
      ...pageArgs,
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.nodes.list({ target: args.target, statuses: args.statuses }, { first: args.first, after: args.after }),
  }),
}));

builder.mutationField('removeNode', (t) =>
  mutation(t, 'node.remove', 'OPERATOR', {
    type: RemovedRef,
    description: 'Removes a worker and its history from the inventory. If its manager reports it again, it joins as new.',
    args: { id: t.arg.id({ required: true, description: 'The node id.' }) },
    resolve: (meta, args, context) => context.services.nodes.remove(meta, String(args.id)),
  }),
);
