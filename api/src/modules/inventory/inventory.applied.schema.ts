import { builder } from '../../graphql/builder.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { ContentItemRef, ContentKindEnum } from '../content/content.schema.ts';
import { NodeRef } from '../nodes/nodes.schema.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import type { TargetInput as TargetInputShape } from '../targets/targets.types.ts';
import type { AppliedContent } from './inventory.applied.ts';
import { InventoryItemRef } from './inventory.schema.ts';

builder.objectField(InventoryItemRef, 'installedSince', (t) =>
  t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When the OC first saw these bytes installed under this name; a restart does not move it, new bytes do. Null when it is not installed.',
    resolve: (item) => item.installedSince,
  }),
);

const AppliedContentRef = builder.objectRef<AppliedContent>('AppliedContent').implement({
  description: 'A file installed on a node: since when, and which operation (requested by whom) put it there.',
  fields: (t) => ({
    clusterName: t.exposeString('clusterName', { description: 'The node’s cluster.' }),
    nodeId: t.exposeID('nodeId', { description: 'The node.' }),
    nodeName: t.exposeString('nodeName', { description: 'The node’s name.' }),
    node: t.field({ type: NodeRef, description: 'The node.', resolve: (row, _args, context) => context.loaders.node.load(row.nodeId) }),
    kind: t.field({ type: ContentKindEnum, description: 'What it is.', resolve: (row) => row.kind }),
    name: t.exposeString('name', { description: 'Its file name.' }),
    sha256: t.exposeString('sha256', { description: 'The SHA-256 of the installed file.' }),
    version: t.exposeString('version', {
      nullable: true,
      description:
        'The version of the uploaded item with these bytes; for a configuration file rendered for the node, of the template deployed. Null when no uploaded item has these bytes and no deploy put them there (installed by hand).',
    }),
    item: t.field({
      type: ContentItemRef,
      nullable: true,
      description: 'The uploaded item with these bytes (of the same kind, the same name preferred); null when there is none.',
      resolve: (row) => row.item,
    }),
    installedSince: t.field({
      type: 'DateTime',
      description: 'When the OC first saw these bytes installed under this name on this node.',
      resolve: (row) => row.installedSince,
    }),
    loaded: t.exposeBoolean('loaded', { description: 'Whether the running process reports it loaded these bytes (false: it waits for a restart).' }),
    operationId: t.id({
      nullable: true,
      description: 'The DEPLOY operation whose step on this node last installed these bytes under this name; null when none did (installed by hand).',
      resolve: (row) => row.appliedBy?.operationId ?? null,
    }),
    requestedBy: t.string({ nullable: true, description: 'Who requested that operation.', resolve: (row) => row.appliedBy?.requestedBy ?? null }),
    appliedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When that operation’s step on this node succeeded.',
      resolve: (row) => row.appliedBy?.appliedAt ?? null,
    }),
  }),
});

const AppliedContentConnection = connectionOf('AppliedContent', AppliedContentRef, 'installed file');

builder.queryField('appliedContent', (t) =>
  t.field({
    type: AppliedContentConnection,
    description:
      'The applied-content report: every file installed on member nodes, since when, and which DEPLOY (requested by whom) put it there. Ordered by cluster, node, kind and name. The same report as CSV: GET /api/reports/applied-content.csv.',
    args: {
      target: t.arg({ type: TargetInput, description: 'Which nodes; all member nodes when left out.' }),
      kind: t.arg({ type: ContentKindEnum, description: 'Only files of this kind.' }),
      ...pageArgs,
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) =>
      context.services.appliedContent.page({ target: args.target as TargetInputShape | null | undefined, kind: args.kind }, args),
  }),
);
