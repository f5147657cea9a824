import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { ContentItemRef, ContentKindEnum } from '../content/content.schema.ts';
import type { ContentItemRow } from '../content/content.types.ts';
import { NodeRef } from '../nodes/nodes.schema.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import type { TargetInput as TargetInputShape } from '../targets/targets.types.ts';
import type { DesiredItem, DesiredState } from './baselines.service.ts';
import type { BaselineRow, BaselineVersionRow } from './baselines.table.ts';

/** A version's items in the order it lists them; an item deleted since is left out. */
async function itemsOf(version: BaselineVersionRow, services: { content: { findMany(ids: string[]): Promise<ContentItemRow[]> } }) {
  const found = new Map((await services.content.findMany(version.itemIds)).map((item) => [item.id, item]));
  return version.itemIds.flatMap((itemId) => found.get(itemId) ?? []);
}

const BaselineVersionRef = builder.objectRef<BaselineVersionRow>('BaselineVersion').implement({
  description: 'One saved version of a baseline: what it said, who saved it and why.',
  fields: (t) => ({
    version: t.exposeInt('version', { description: 'Its number, from 1.' }),
    target: t.field({ type: 'JSONObject', description: 'The nodes it applies to, as resolved when saved.', resolve: (version) => ({ ...version.target }) }),
    itemIds: t.exposeIDList('itemIds', { description: 'The content items it lists.' }),
    items: t.field({
      type: [ContentItemRef],
      description: 'The content items it lists (deleted ones left out).',
      resolve: (version, _args, context) => itemsOf(version, context.services),
    }),
    message: t.exposeString('message', { description: 'Why it was saved.' }),
    author: t.exposeString('author', { description: 'Who saved it.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was saved.', resolve: (version) => version.createdAt }),
  }),
});

const BaselineVersionConnection = connectionOf('BaselineVersion', BaselineVersionRef, 'baseline version');

const BaselineDiffRef = builder
  .objectRef<{ from: BaselineVersionRow; to: BaselineVersionRow; targetChanged: boolean; added: ContentItemRow[]; removed: ContentItemRow[] }>('BaselineDiff')
  .implement({
    description: 'What changed between two versions of a baseline.',
    fields: (t) => ({
      from: t.field({ type: BaselineVersionRef, description: 'The earlier side.', resolve: (diff) => diff.from }),
      to: t.field({ type: BaselineVersionRef, description: 'The later side.', resolve: (diff) => diff.to }),
      targetChanged: t.exposeBoolean('targetChanged', { description: 'Whether the nodes it applies to changed.' }),
      added: t.field({ type: [ContentItemRef], description: 'Items listed in `to` and not in `from`.', resolve: (diff) => diff.added }),
      removed: t.field({ type: [ContentItemRef], description: 'Items listed in `from` and not in `to`.', resolve: (diff) => diff.removed }),
    }),
  });

export const BaselineRef = builder.objectRef<BaselineRow>('Baseline').implement({
  description:
    'Desired state: the patches, artifacts and configuration files that belong on the nodes a target selects. Every change is a new version; the old ones are kept.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique name.' }),
    currentVersion: t.exposeInt('currentVersion', { description: 'The number of the version in force.' }),
    current: t.field({
      type: BaselineVersionRef,
      description: 'The version in force.',
      resolve: async (baseline, _args, context) => (await context.services.baselines.version(baseline.id, baseline.currentVersion)) as BaselineVersionRow,
    }),
    version: t.field({
      type: BaselineVersionRef,
      nullable: true,
      description: 'One version, or null.',
      args: { number: t.arg.int({ required: true, description: 'The version number.' }) },
      resolve: async (baseline, args, context) => (await context.services.baselines.version(baseline.id, args.number)) ?? null,
    }),
    versions: t.field({
      type: BaselineVersionConnection,
      description: 'Every version, newest first.',
      args: pageArgs,
      resolve: (baseline, args, context) => context.services.baselines.versions(baseline, args),
    }),
    diff: t.field({
      type: BaselineDiffRef,
      description: 'What changed from one version to another.',
      args: {
        from: t.arg.int({ required: true, description: 'The earlier version.' }),
        to: t.arg.int({ description: 'The later version (default: the current one).' }),
      },
      resolve: (baseline, args, context) => context.services.baselines.diff(baseline.id, args.from, args.to ?? baseline.currentVersion),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (baseline) => baseline.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When its current version was saved.', resolve: (baseline) => baseline.updatedAt }),
  }),
});

const BaselineConnection = connectionOf('Baseline', BaselineRef, 'baseline');

const DesiredItemRef = builder.objectRef<DesiredItem>('DesiredItem').implement({
  description: 'One item a node must have, and the baseline that decided it.',
  fields: (t) => ({
    item: t.field({ type: ContentItemRef, description: 'The content item.', resolve: (desired) => desired.item }),
    baselineName: t.string({ description: 'The most specific baseline that lists it for this node.', resolve: (desired) => desired.baseline.name }),
    sha256: t.exposeString('sha256', { description: 'What the node’s copy must hash to: for a configuration file, its template rendered for this node.' }),
  }),
});

const BaselineClaimRef = builder.objectRef<DesiredState['conflicts'][number]['claims'][number]>('BaselineClaim').implement({
  description: 'What one baseline wants under a name.',
  fields: (t) => ({
    baselineName: t.string({ description: 'The baseline.', resolve: (claim) => claim.baseline.name }),
    item: t.field({ type: ContentItemRef, description: 'The item it wants.', resolve: (claim) => claim.item }),
  }),
});

const BaselineConflictRef = builder.objectRef<DesiredState['conflicts'][number]>('BaselineConflict').implement({
  description: 'Equally specific baselines that want different items under one file name on a node; neither is applied until one changes.',
  fields: (t) => ({
    kind: t.field({ type: ContentKindEnum, description: 'The kind of item.', resolve: (conflict) => conflict.kind as ContentItemRow['kind'] }),
    name: t.exposeString('name', { description: 'The file name they disagree on.' }),
    claims: t.field({ type: [BaselineClaimRef], description: 'What each wants.', resolve: (conflict) => conflict.claims }),
  }),
});

const DesiredStateRef = builder.objectRef<DesiredState>('DesiredState').implement({
  description: 'What a node must have, by every baseline that selects it: the most specific baseline wins each file name.',
  fields: (t) => ({
    items: t.field({ type: [DesiredItemRef], description: 'The items, by kind and name.', resolve: (state) => state.items }),
    conflicts: t.field({
      type: [BaselineConflictRef],
      description: 'Names on which equally specific baselines disagree.',
      resolve: (state) => state.conflicts,
    }),
  }),
});

builder.drizzleObjectField(NodeRef, 'desiredState', (t) =>
  t.field({
    type: DesiredStateRef,
    description: 'What this node must have by the baselines, its configuration files rendered for it.',
    resolve: (node, _args, context) => context.loaders.desiredState.load(node.id),
  }),
);

const BaselineInputRef = builder.inputType('BaselineInput', {
  description: 'A version of a baseline.',
  fields: (t) => ({
    target: t.field({ type: TargetInput, required: true, description: 'The nodes it applies to.' }),
    itemIds: t.idList({ required: true, description: 'The content items that belong there (at most one per kind and file name).' }),
    message: t.string({ required: true, description: 'Why: kept with the version.' }),
  }),
});

type BaselineArgs = { target: TargetInputShape; itemIds: (string | number)[]; message: string };
const baselineInput = (input: BaselineArgs) => ({ target: input.target, itemIds: input.itemIds.map(String), message: input.message });

builder.queryFields((t) => ({
  baselines: t.field({
    type: BaselineConnection,
    description: 'Baselines, by name.',
    args: pageArgs,
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.baselines.list(args),
  }),
  baseline: t.field({
    type: BaselineRef,
    nullable: true,
    description: 'One baseline by id or name, or null.',
    args: { id: t.arg.string({ required: true, description: 'The baseline id or name.' }) },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => (await context.services.baselines.find(args.id)) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createBaseline: mutation(t, 'baseline.create', 'OPERATOR', {
    type: BaselineRef,
    description: 'Creates a baseline at version 1.',
    args: {
      name: t.arg.string({ required: true, description: 'Unique name.' }),
      input: t.arg({ type: BaselineInputRef, required: true, description: 'Its first version.' }),
    },
    resolve: (meta, args, context) => context.services.baselines.create(meta, args.name, baselineInput(args.input as BaselineArgs)),
  }),
  updateBaseline: mutation(t, 'baseline.update', 'OPERATOR', {
    type: BaselineRef,
    description: 'Saves a new version of a baseline (saving the current one again changes nothing).',
    args: {
      id: t.arg.string({ required: true, description: 'The baseline id or name.' }),
      input: t.arg({ type: BaselineInputRef, required: true, description: 'The new version.' }),
    },
    resolve: (meta, args, context) => context.services.baselines.update(meta, args.id, baselineInput(args.input as BaselineArgs)),
  }),
  restoreBaselineVersion: mutation(t, 'baseline.restore', 'OPERATOR', {
    type: BaselineRef,
    description: 'Makes an earlier version current again, saved as a new version.',
    args: {
      id: t.arg.string({ required: true, description: 'The baseline id or name.' }),
      version: t.arg.int({ required: true, description: 'The version to restore.' }),
      message: t.arg.string({ required: true, description: 'Why.' }),
    },
    resolve: (meta, args, context) => context.services.baselines.restore(meta, args.id, args.version, args.message),
  }),
  deleteBaseline: mutation(t, 'baseline.delete', 'OPERATOR', {
    type: RemovedRef,
    description: 'Deletes a baseline and its versions. Nodes keep what they have.',
    args: { id: t.arg.string({ required: true, description: 'The baseline id or name.' }) },
    resolve: (meta, args, context) => context.services.baselines.remove(meta, args.id),
  }),
}));
