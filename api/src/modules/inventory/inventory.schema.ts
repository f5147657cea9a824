import { builder } from '../../graphql/builder.ts';
import type { CostExtensions } from '../../graphql/limits.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import type { AgentActor } from '../../shared/actor.ts';
import { ContentItemRef, ContentKindEnum } from '../content/content.schema.ts';
import { NodeRef } from '../nodes/nodes.schema.ts';
import type { NodeWithContentRow } from './inventory.repository.ts';
import { type InventoryReceipt, MAX_ITEMS_PER_NODE, MAX_ITEMS_PER_REPORT } from './inventory.service.ts';
import type { InventoryRow } from './inventory.table.ts';

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

const NodeInventoryInput = builder.inputType('NodeInventoryInput', {
  description: 'One worker’s whole inventory: it replaces what the OC had.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The node name, as reported in membership.' }),
    installed: t.field({ type: [InstalledItemInput], required: true, description: `Files installed, at most ${MAX_ITEMS_PER_NODE}.` }),
    loaded: t.field({
      type: [LoadedItemInput],
      description: `Files the running process loaded, at most ${MAX_ITEMS_PER_NODE}; omit when the worker does not say (a stopped worker has loaded nothing: send an empty list).`,
    }),
  }),
});

const InventoryReportInput = builder.inputType('InventoryReportInput', {
  description: `Inventories of some of the cluster’s workers: send a worker’s only when it changed. At most ${MAX_ITEMS_PER_REPORT} items in all.`,
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
    description: 'A manager reports what its workers have installed and loaded. Repeating a report changes nothing. Agent credential only.',
    args: { input: t.arg({ type: InventoryReportInput, required: true, description: 'The report.' }) },
    audit: 'REFUSALS',
    resolve: (meta, args, context) => context.services.inventory.apply(meta, (context.meta.actor as AgentActor).clusterId, args.input.nodes),
  }),
);
