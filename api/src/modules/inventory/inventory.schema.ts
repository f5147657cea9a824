import { builder, type PothosTypes } from '../../graphql/builder.ts';
import type { CostExtensions } from '../../graphql/limits.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import type { AgentActor } from '../../shared/actor.ts';
import { ContentItemRef, ContentKindEnum } from '../content/content.schema.ts';
import type { ContentKind } from '../content/content.types.ts';
import { NodeRef } from '../nodes/nodes.schema.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import type { TargetInput as TargetInputShape } from '../targets/targets.types.ts';
import type { DriftState } from './inventory.drift.ts';
import type { NodeWithContentRow, NodeWithTenantRow } from './inventory.repository.ts';
import { type DriftCounts, type DriftSummary, type InventoryReceipt, MAX_ITEMS_PER_NODE, MAX_ITEMS_PER_REPORT, type NodeDrift } from './inventory.service.ts';
import type { InventoryRow, TenantRow } from './inventory.table.ts';
import { MAX_TENANT_STATUS, MAX_TENANTS_PER_NODE } from './inventory.tenants.ts';

export const InventoryItemRef = builder.objectRef<InventoryRow>('InventoryItem').implement({
  description: 'A patch, artifact or managed config file on a node, as its manager last reported it.',
  fields: (t) => ({
    kind: t.field({ type: ContentKindEnum, description: 'What it is.', resolve: (item) => item.kind }),
    name: t.exposeString('name', { description: 'Its file name.' }),
    sha256: t.exposeString('sha256', { description: 'The SHA-256 of the installed file; of the loaded one when it is no longer installed.' }),
    size: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'The installed file’s size in bytes; null when it is not installed.',
      resolve: (item) => item.size,
    }),
    modifiedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the installed file was last modified; null when it is not installed.',
      resolve: (item) => item.modifiedAt,
    }),
    installed: t.exposeBoolean('installed', { description: 'Whether the file is on the node’s disk.' }),
    loaded: t.exposeBoolean('loaded', {
      description:
        'Whether the running process reports it loaded this file with this hash. False for a file installed or changed since the process started (it waits for a restart), and for a worker that does not report what it loaded.',
    }),
    firstSeenAt: t.field({ type: 'DateTime', description: 'When the OC first saw it on this node.', resolve: (item) => item.firstSeenAt }),
    changedAt: t.field({ type: 'DateTime', description: 'When its hash, size, installed or loaded state last changed.', resolve: (item) => item.changedAt }),
  }),
});

builder.drizzleObjectField(NodeRef, 'inventory', (t) =>
  t.field({
    type: [InventoryItemRef],
    description: 'What the node has installed and loaded, by kind and name.',
    extensions: { maxItems: 2 * MAX_ITEMS_PER_NODE } satisfies CostExtensions,
    resolve: (node, _args, context) => context.loaders.nodeInventory.load(node.id),
  }),
);

const TenantRef = builder.objectRef<TenantRow>('Tenant').implement({
  description: 'A tenant a node hosts (a customer’s applications on an application server, say), as its manager last reported it.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name, as the worker reports it.' }),
    status: t.exposeString('status', { nullable: true, description: 'The worker’s own word on it (a state, a version); null when it gives none.' }),
    firstSeenAt: t.field({ type: 'DateTime', description: 'When the OC first saw it on this node.', resolve: (tenant) => tenant.firstSeenAt }),
    changedAt: t.field({ type: 'DateTime', description: 'When its status last changed.', resolve: (tenant) => tenant.changedAt }),
  }),
});

builder.drizzleObjectField(NodeRef, 'tenants', (t) =>
  t.field({
    type: [TenantRef],
    description: 'The tenants the node hosts, by name, as its worker last reported them; empty for a worker that reports none.',
    extensions: { maxItems: MAX_TENANTS_PER_NODE } satisfies CostExtensions,
    resolve: (node, _args, context) => context.loaders.nodeTenants.load(node.id),
  }),
);

const NodeWithTenantRef = builder.objectRef<NodeWithTenantRow>('NodeWithTenant').implement({
  description: 'A node and the tenant of the name asked for that it hosts.',
  fields: (t) => ({
    node: t.field({ type: NodeRef, description: 'The node.', resolve: async (row, _args, context) => context.loaders.node.load(row.nodeId) }),
    tenant: t.field({ type: TenantRef, description: 'The tenant, with its status on this node.', resolve: (row) => row }),
  }),
});

const NodeWithTenantConnection = connectionOf('NodeWithTenant', NodeWithTenantRef, 'node with the tenant');

builder.queryField('nodesWithTenant', (t) =>
  t.field({
    type: NodeWithTenantConnection,
    description: 'Which member nodes host a tenant of this name: "where does this customer run?". Ordered by cluster and node.',
    args: {
      name: t.arg.string({ required: true, description: 'The tenant’s name, exactly as its workers report it.' }),
      ...pageArgs,
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.inventory.nodesWithTenant(args.name, args),
  }),
);

builder.objectField(ContentItemRef, 'installedOn', (t) =>
  t.int({
    description: 'How many member nodes have a file with this item’s SHA-256 installed, as their managers last reported.',
    resolve: (item, _args, context) => context.loaders.installedOn.load(item.sha256),
  }),
);

const NodeWithContentRef = builder.objectRef<NodeWithContentRow>('NodeWithContent').implement({
  description: 'A node and the matching item it has installed.',
  fields: (t) => ({
    node: t.field({ type: NodeRef, description: 'The node.', resolve: async (row, _args, context) => context.loaders.node.load(row.nodeId) }),
    item: t.field({ type: InventoryItemRef, description: 'The matching item.', resolve: (row) => row }),
  }),
});

const NodeWithContentConnection = connectionOf('NodeWithContent', NodeWithContentRef, 'node with the item');

builder.queryField('nodesWithContent', (t) =>
  t.field({
    type: NodeWithContentConnection,
    description:
      'Which member nodes have an item installed, by its SHA-256 or its name (give at least one), optionally of one kind: "which servers have this patch?". Ordered by cluster, node, kind and name.',
    args: {
      sha256: t.arg.string({ description: 'The item’s SHA-256 (64 lower-case hex digits).' }),
      name: t.arg.string({ description: 'The item’s file name.' }),
      kind: t.arg({ type: ContentKindEnum, description: 'Only items of this kind.' }),
      ...pageArgs,
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.inventory.nodesWithContent({ sha256: args.sha256, name: args.name, kind: args.kind }, args),
  }),
);

const InstalledItemInput = builder.inputType('InstalledItemInput', {
  description: 'A file on a worker’s disk.',
  fields: (t) => ({
    kind: t.field({
      type: ContentKindEnum,
      required: true,
      description: 'PATCH (patches directory), ARTIFACT (artifacts directory) or CONFIG (a managed config file).',
    }),
    name: t.string({ required: true, description: 'Its file name.' }),
    sha256: t.string({ required: true, description: 'The SHA-256 of its bytes, 64 lower-case hex digits.' }),
    size: t.field({ type: 'SafeInt', required: true, description: 'Its size in bytes.' }),
    modifiedAt: t.field({ type: 'DateTime', description: 'When it was last modified.' }),
  }),
});

const LoadedItemInput = builder.inputType('LoadedItemInput', {
  description: 'A file the worker’s running process loaded when it started.',
  fields: (t) => ({
    kind: t.field({ type: ContentKindEnum, required: true, description: 'What it is.' }),
    name: t.string({ required: true, description: 'Its file name.' }),
    sha256: t.string({ required: true, description: 'The SHA-256 of what it loaded.' }),
  }),
});

const TenantInput = builder.inputType('TenantInput', {
  description: 'A tenant the worker hosts.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Its name: letters, digits, ".", "_" and "-", at most 63 characters.' }),
    status: t.string({ description: `The worker’s own word on it (a state, a version), at most ${MAX_TENANT_STATUS} characters.` }),
  }),
});

const NodeInventoryInput = builder.inputType('NodeInventoryInput', {
  description: 'One worker’s whole inventory: it replaces what the OC had.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The node name, as reported in membership.' }),
    installed: t.field({ type: [InstalledItemInput], required: true, description: `Files installed, at most ${MAX_ITEMS_PER_NODE}.` }),
    loaded: t.field({
      type: [LoadedItemInput],
      description: `Files the running process loaded, at most ${MAX_ITEMS_PER_NODE}; omit when the worker does not say (a stopped worker has loaded nothing: send an empty list).`,
    }),
    tenants: t.field({
      type: [TenantInput],
      description: `The tenants it hosts, at most ${MAX_TENANTS_PER_NODE}: they replace the stored ones. Omit when the worker does not report tenants; the stored ones then stay.`,
    }),
  }),
});

const InventoryReportInput = builder.inputType('InventoryReportInput', {
  description: `Inventories of some of the cluster’s workers: send a worker’s only when it changed. At most ${MAX_ITEMS_PER_REPORT} items and tenants in all.`,
  fields: (t) => ({
    nodes: t.field({ type: [NodeInventoryInput], required: true, description: 'The workers whose inventory is reported.' }),
  }),
});

const InventoryRefusalCodeEnum = builder.enumType('InventoryRefusalCode', {
  description: 'Why a node of an inventory report was not applied.',
  values: {
    UNKNOWN_NODE: { description: 'No such node in the manager’s cluster (a node of another cluster is refused the same way); report membership first.' },
  } satisfies Record<InventoryReceipt['refused'][number]['code'], unknown>,
});

const InventoryRefusalRef = builder.objectRef<InventoryReceipt['refused'][number]>('InventoryRefusal').implement({
  description: 'A node of the report that was not applied.',
  fields: (t) => ({
    node: t.exposeString('node', { description: 'The node name as sent.' }),
    code: t.field({ type: InventoryRefusalCodeEnum, description: 'Why.', resolve: (refusal) => refusal.code }),
    message: t.exposeString('message', { description: 'Why.' }),
  }),
});

const InventoryReceiptRef = builder.objectRef<InventoryReceipt>('InventoryReceipt').implement({
  description: 'What an inventory report changed.',
  fields: (t) => ({
    changed: t.exposeStringList('changed', { description: 'Nodes whose inventory changed.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Nodes reported as they were.' }),
    refused: t.field({ type: [InventoryRefusalRef], description: 'Nodes not applied, and why; the rest was.', resolve: (receipt) => receipt.refused }),
  }),
});

builder.mutationField('reportInventory', (t) =>
  mutation(t, 'inventory.report', 'AGENT', {
    type: InventoryReceiptRef,
    description:
      'A manager reports what its workers have installed and loaded, and the tenants they host. Repeating a report changes nothing. Agent credential only.',
    args: { input: t.arg({ type: InventoryReportInput, required: true, description: 'The report.' }) },
    audit: 'REFUSALS',
    resolve: (meta, args, context) => context.services.inventory.apply(meta, (context.meta.actor as AgentActor).clusterId, args.input.nodes),
  }),
);

const DriftStateEnum = builder.enumType('DriftState', {
  description: 'How one file on a node compares with what its baselines want there.',
  values: {
    IN_SYNC: { description: 'The wanted bytes are installed and loaded.' },
    MISSING: { description: 'A baseline wants the file; nothing is installed under its name.' },
    DIFFERENT: { description: 'Other bytes are installed under its name: an older version, or changed by hand.' },
    INSTALLED_NOT_LOADED: { description: 'The wanted bytes are installed; the running process has not loaded them (it waits for a restart).' },
    UNEXPECTED: { description: 'Installed, and no baseline wants it on this node.' },
  } satisfies Record<DriftState, unknown>,
});

const FileDriftRef = builder.objectRef<NodeDrift>('FileDrift').implement({
  description: 'One file of a node against its baselines.',
  fields: (t) => ({
    kind: t.field({ type: ContentKindEnum, description: 'What it is.', resolve: (drift) => drift.kind as ContentKind }),
    name: t.exposeString('name', { description: 'Its file name.' }),
    state: t.field({ type: DriftStateEnum, description: 'How it compares.', resolve: (drift) => drift.state }),
    wanted: t.field({
      type: ContentItemRef,
      nullable: true,
      description: 'The item the baselines want (null when UNEXPECTED).',
      resolve: (drift) => drift.wanted?.item ?? null,
    }),
    wantedSha256: t.string({
      nullable: true,
      description: 'What the file must hash to (for a configuration file, its template rendered for this node).',
      resolve: (drift) => drift.wanted?.sha256 ?? null,
    }),
    baselineName: t.string({ nullable: true, description: 'The baseline that decided it.', resolve: (drift) => drift.wanted?.baselineName ?? null }),
    installedSha256: t.exposeString('installedSha256', { nullable: true, description: 'The SHA-256 of what is installed (null when MISSING).' }),
  }),
});

builder.drizzleObjectField(NodeRef, 'drift', (t) =>
  t.field({
    type: [FileDriftRef],
    description: 'How the node’s files compare with its baselines, by kind and name.',
    extensions: { maxItems: 2 * MAX_ITEMS_PER_NODE } satisfies CostExtensions,
    resolve: (node, _args, context) => context.loaders.nodeDrift.load(node.id),
  }),
);

const driftCountFields = (t: PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<PothosTypes>, DriftCounts>) => ({
  inSync: t.exposeInt('inSync', { description: 'Files IN_SYNC.' }),
  missing: t.exposeInt('missing', { description: 'Files MISSING.' }),
  different: t.exposeInt('different', { description: 'Files DIFFERENT.' }),
  installedNotLoaded: t.exposeInt('installedNotLoaded', { description: 'Files INSTALLED_NOT_LOADED.' }),
  unexpected: t.exposeInt('unexpected', { description: 'Files UNEXPECTED.' }),
});

const DriftCountsRef = builder.objectRef<DriftCounts>('DriftCounts').implement({
  description: 'Files counted by how they compare with their baselines.',
  fields: driftCountFields,
});

const ClusterDriftRef = builder.objectRef<DriftSummary['clusters'][number]>('ClusterDrift').implement({
  description: 'The files of one cluster’s nodes, counted by drift state.',
  fields: (t) => ({ clusterName: t.exposeString('clusterName', { description: 'The cluster.' }), ...driftCountFields(t) }),
});

const ItemDriftRef = builder.objectRef<DriftSummary['items'][number]>('ItemDrift').implement({
  description: 'One file name across the nodes, counted by drift state.',
  fields: (t) => ({
    kind: t.field({ type: ContentKindEnum, description: 'What it is.', resolve: (item) => item.kind as ContentKind }),
    name: t.exposeString('name', { description: 'Its file name.' }),
    ...driftCountFields(t),
  }),
});

const DriftSummaryRef = builder.objectRef<DriftSummary>('DriftSummary').implement({
  description: 'Drift over the nodes of a target: how many files are in sync, missing, different, not loaded or unexpected.',
  fields: (t) => ({
    nodeCount: t.exposeInt('nodeCount', { description: 'Member workers the target selects (managers run the agent and have no baseline).' }),
    total: t.field({ type: DriftCountsRef, description: 'Over all of them.', resolve: (summary) => summary.total }),
    clusters: t.field({ type: [ClusterDriftRef], description: 'By cluster.', resolve: (summary) => summary.clusters }),
    items: t.field({ type: [ItemDriftRef], description: 'By kind and file name.', resolve: (summary) => summary.items }),
  }),
});

builder.queryField('driftSummary', (t) =>
  t.field({
    type: DriftSummaryRef,
    description: 'How the files of a target’s nodes compare with their baselines, counted by cluster and by item.',
    args: { target: t.arg({ type: TargetInput, required: true, description: 'Which nodes.' }) },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.inventory.driftSummary(args.target as TargetInputShape),
  }),
);
