import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import type { ContentItemRow, contentKind } from './content.table.ts';

export const ContentKindEnum = builder.enumType('ContentKind', {
  description: 'What a content item is.',
  values: {
    PATCH: { description: 'A patch to an installed product (e.g. a hotfix jar).' },
    ARTIFACT: { description: 'An artifact a product runs (e.g. an application archive).' },
    CONFIG: { description: 'A configuration file, rendered per node from its template.' },
  } satisfies Record<(typeof contentKind.enumValues)[number], unknown>,
});

export const ContentItemRef = builder.objectRef<ContentItemRow>('ContentItem').implement({
  description:
    'A patch, artifact or configuration file uploaded to the OC, stored once by its SHA-256. Upload with POST /api/content (see the README), download with GET /api/content/<id>.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    kind: t.field({ type: ContentKindEnum, description: 'What it is.', resolve: (item) => item.kind }),
    name: t.exposeString('name', { description: 'The file name it is installed under.' }),
    version: t.exposeString('version', { description: 'Its version; kind, name and version are unique.' }),
    sha256: t.exposeString('sha256', { description: 'The SHA-256 of its bytes, in hex.' }),
    size: t.field({ type: 'SafeInt', description: 'Its size in bytes.', resolve: (item) => item.size }),
    productKinds: t.exposeStringList('productKinds', { description: 'The product kinds it applies to; empty: any.' }),
    requiresRestart: t.exposeBoolean('requiresRestart', { description: 'Whether a worker must restart to load it.' }),
    description: t.exposeString('description', { description: 'What it is for.' }),
    uploadedBy: t.exposeString('uploadedBy', { description: 'Who uploaded it.' }),
    uploadedAt: t.field({ type: 'DateTime', description: 'When it was uploaded.', resolve: (item) => item.uploadedAt }),
  }),
});

const ContentItemConnection = connectionOf('ContentItem', ContentItemRef, 'content item');

const ContentFilterInput = builder.inputType('ContentFilter', {
  description: 'Narrows the content list; all given conditions must hold.',
  fields: (t) => ({
    kind: t.field({ type: ContentKindEnum, description: 'Only items of this kind.' }),
    search: t.string({ description: 'Part of the name, version or description (case-insensitive).' }),
  }),
});

builder.queryFields((t) => ({
  contentItems: t.field({
    type: ContentItemConnection,
    description: 'Uploaded patches, artifacts and configuration files, newest first.',
    args: { filter: t.arg({ type: ContentFilterInput, description: 'Narrow the list.' }), ...pageArgs },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.content.list(args.filter ?? {}, args),
  }),
  contentItem: t.field({
    type: ContentItemRef,
    nullable: true,
    description: 'One content item, or null.',
    args: { id: t.arg.id({ required: true, description: 'The item id.' }) },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => (await context.services.content.find(String(args.id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  deleteContentItem: mutation(t, 'content.delete', 'OPERATOR', {
    type: RemovedRef,
    description: 'Deletes a content item; its bytes go too when no other item has the same content.',
    args: { id: t.arg.id({ required: true, description: 'The item id.' }) },
    resolve: (meta, args, context) => context.services.content.remove(meta, String(args.id)),
  }),
}));
