import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { ValidationError } from '../../shared/domain-error.ts';
import { NodeStatusEnum } from '../liveness/liveness.schema.ts';
import { CLUSTER_HEALTH, type ClusterHealth, type StatusCounts } from './clusters.health.ts';
import type { ClusterWithSummary } from './clusters.service.ts';

export const ClusterHealthEnum = builder.enumType('ClusterHealth', {
  description: 'A cluster’s health, derived from its manager and workers. Listed worst first.',
  values: {
    UNREACHABLE: { description: 'The manager is not reporting; the workers’ state is unknown.' },
    CRITICAL: { description: 'At least half of the workers are DOWN.' },
    DEGRADED: { description: 'Some worker is DOWN, SUSPECT or UNKNOWN.' },
    PENDING: { description: 'No manager has registered yet.' },
    HEALTHY: { description: 'Everything reports UP (or is in planned maintenance).' },
  } satisfies Record<ClusterHealth, { description: string }>,
});

const ClusterOrderEnum = builder.enumType('ClusterOrder', {
  description: 'How clusters are listed.',
  values: { NAME: { description: 'By name.' }, HEALTH: { description: 'Worst health first, then by name.' } },
});

export const StatusCountsRef = builder.objectRef<StatusCounts>('StatusCounts').implement({
  description: 'How many nodes have each status.',
  fields: (t) => ({
    up: t.exposeInt('UP', { description: 'UP nodes.' }),
    suspect: t.exposeInt('SUSPECT', { description: 'SUSPECT nodes.' }),
    down: t.exposeInt('DOWN', { description: 'DOWN nodes.' }),
    unknown: t.exposeInt('UNKNOWN', { description: 'UNKNOWN nodes.' }),
    maintenance: t.exposeInt('MAINTENANCE', { description: 'Nodes in planned maintenance.' }),
    left: t.exposeInt('LEFT', { description: 'Nodes that left.' }),
    total: t.int({
      description: 'All nodes that have not left.',
      resolve: (counts) => counts.UP + counts.SUSPECT + counts.DOWN + counts.UNKNOWN + counts.MAINTENANCE,
    }),
  }),
});

const HealthCountsRef = builder.objectRef<Record<ClusterHealth, number>>('HealthCounts').implement({
  description: 'How many clusters have each health.',
  fields: (t) => Object.fromEntries(CLUSTER_HEALTH.map((health) => [health.toLowerCase(), t.exposeInt(health, { description: `${health} clusters.` })])),
});

async function summaryOf(
  cluster: { id: string } & Partial<ClusterWithSummary>,
  context: { loaders: { clusterSummary: { load(id: string): Promise<ClusterWithSummary['summary'] | null> } } },
) {
  if (cluster.summary) return cluster.summary;
  const summary = await context.loaders.clusterSummary.load(cluster.id);
  if (!summary) throw new Error(`cluster ${cluster.id} vanished`);
  return summary;
}

export const ClusterRef = builder.drizzleObject('clusters', {
  name: 'Cluster',
  description: 'A cluster of servers: one manager that talks to the OC and the workers it manages.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique name.' }),
    productKind: t.exposeString('productKind', { description: 'What the cluster runs, e.g. application-server, esb, api-manager.' }),
    description: t.exposeString('description', { description: 'Free text for people.' }),
    consoleUrl: t.exposeString('consoleUrl', { nullable: true, description: 'The manager’s own management console (the manager node’s consoleUrl too).' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (cluster) => cluster.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When it was last changed.', resolve: (cluster) => cluster.updatedAt }),
    manager: t.relation('manager', { nullable: true, description: 'The registered manager node, if any.' }),
    tags: t.stringList({
      description: 'User tags on the cluster (its nodes carry them too).',
      select: { with: { tags: { columns: { tag: true } } } },
      resolve: (cluster) => cluster.tags.map((row) => row.tag).sort(),
    }),
    health: t.field({
      type: ClusterHealthEnum,
      description: 'Derived health.',
      resolve: async (cluster, _args, context) => (await summaryOf(cluster, context)).health,
    }),
    workerCounts: t.field({
      type: StatusCountsRef,
      description: 'Workers by status.',
      resolve: async (cluster, _args, context) => (await summaryOf(cluster, context)).workers,
    }),
    managerStatus: t.field({
      type: NodeStatusEnum,
      nullable: true,
      description: 'The manager’s own status; null before one registers.',
      resolve: async (cluster, _args, context) => (await summaryOf(cluster, context)).managerStatus,
    }),
  }),
});

const ClusterConnection = connectionOf('Cluster', ClusterRef, 'cluster');

const SystemOverviewRef = builder.objectRef<{ nodes: StatusCounts; clusters: number; byHealth: Record<ClusterHealth, number> }>('SystemOverview').implement({
  description: 'The whole fleet at a glance.',
  fields: (t) => ({
    nodes: t.field({ type: StatusCountsRef, description: 'All nodes by status.', resolve: (overview) => overview.nodes }),
    clusterCount: t.exposeInt('clusters', { description: 'Number of clusters.' }),
    clustersByHealth: t.field({ type: HealthCountsRef, description: 'Clusters by health.', resolve: (overview) => overview.byHealth }),
  }),
});

const ClusterFilterInput = builder.inputType('ClusterFilter', {
  description: 'Narrows a cluster list.',
  fields: (t) => ({
    search: t.string({ description: 'Part of the name, product kind or description.' }),
    tags: t.stringList({
      description: 'Clusters carrying all of these tags, each on the cluster itself or on any of its nodes; the cluster:, product: and role: groups count too.',
    }),
    health: t.field({ type: [ClusterHealthEnum], description: 'Clusters with one of these healths.' }),
  }),
});

const CreateClusterInput = builder.inputType('CreateClusterInput', {
  description: 'A new cluster.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique; letters, digits, ".", "_", "-".' }),
    productKind: t.string({ required: true, description: 'What it runs, e.g. application-server.' }),
    description: t.string({ description: 'Free text.' }),
    consoleUrl: t.string({ description: 'http(s) URL of the manager’s own console.' }),
    tags: t.stringList({ description: 'User tags for the cluster.' }),
  }),
});

const UpdateClusterInput = builder.inputType('UpdateClusterInput', {
  description: 'Changes to a cluster; omitted fields stay as they are.',
  fields: (t) => ({
    name: t.string({ description: 'New name.' }),
    productKind: t.string({ description: 'New product kind.' }),
    description: t.string({ description: 'New description.' }),
    consoleUrl: t.string({ description: 'New console URL; null clears it.' }),
  }),
});

builder.queryFields((t) => ({
  systemOverview: t.field({
    type: SystemOverviewRef,
    description: 'Counts of nodes by status and clusters by health.',
    authScopes: { viewer: true },
    resolve: async (_root, _args, context) => {
      const [nodes, clusters] = await Promise.all([context.services.liveness.statusCounts(), context.services.clusters.overview()]);
      return { nodes, clusters: clusters.clusters, byHealth: clusters.byHealth };
    },
  }),
  clusters: t.field({
    type: ClusterConnection,
    description: 'Clusters with their health.',
    args: {
      filter: t.arg({ type: ClusterFilterInput, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: ClusterOrderEnum, defaultValue: 'NAME', description: 'NAME (default) or HEALTH, worst first.' }),
      ...pageArgs,
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.clusters.list(args.filter ?? {}, args.orderBy ?? 'NAME', args),
  }),
  cluster: t.drizzleField({
    type: 'clusters',
    nullable: true,
    description: 'One cluster by id or name, or null if there is none.',
    args: { id: t.arg.id({ description: 'The cluster id.' }), name: t.arg.string({ description: 'The cluster name.' }) },
    authScopes: { viewer: true },
    resolve: async (query, _root, args, context) => {
      if ((args.id === null || args.id === undefined) === (args.name === null || args.name === undefined))
        throw new ValidationError('INVALID_ARGUMENT', 'Give exactly one of id or name.', 'id');
      const found = await context.services.clusters.find(String(args.id ?? args.name));
      if (!found) return null;
      return context.db.query.clusters.findFirst(query({ where: { id: found.id } }));
    },
  }),
}));

builder.mutationFields((t) => ({
  createCluster: mutation(t, 'cluster.create', 'ADMIN', {
    type: ClusterRef,
    description: 'Creates a cluster; then create an enrollment token for its manager.',
    args: { input: t.arg({ type: CreateClusterInput, required: true, description: 'The new cluster.' }) },
    resolve: (meta, args, context) => context.services.clusters.create(meta, args.input),
  }),
  updateCluster: mutation(t, 'cluster.update', 'ADMIN', {
    type: ClusterRef,
    description: 'Changes a cluster’s name, product kind, description or console URL.',
    args: {
      id: t.arg.id({ required: true, description: 'The cluster id.' }),
      input: t.arg({ type: UpdateClusterInput, required: true, description: 'The changes.' }),
    },
    resolve: (meta, args, context) => context.services.clusters.update(meta, String(args.id), args.input),
  }),
  deleteCluster: mutation(t, 'cluster.delete', 'ADMIN', {
    type: RemovedRef,
    description: 'Deletes a cluster with its nodes, history and agent credentials.',
    args: { id: t.arg.id({ required: true, description: 'The cluster id.' }) },
    resolve: (meta, args, context) => context.services.clusters.remove(meta, String(args.id)),
  }),
}));
