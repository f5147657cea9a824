import type { ObjectRef } from '@pothos/core';
import type { Page } from '../shared/pagination.ts';
import { PAGE_MAX } from '../shared/pagination.ts';
import { builder, type PothosTypes } from './builder.ts';
import type { CostExtensions } from './limits.ts';

type Ref<T> = ObjectRef<PothosSchemaTypes.ExtendDefaultTypes<PothosTypes>, T>;

export const PageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  description: 'Where a page ends and whether another follows.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when a further page exists.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` to get the next page.' }),
  }),
});

/** A cursor-paginated list of `node`; every list in the API is one of these. */
export function connectionOf<T>(name: string, node: Ref<T>, what: string) {
  const Edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    description: `One ${what} and its cursor.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: 'Opaque position of this item.' }),
      node: t.field({ type: node, description: `The ${what}.`, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    description: `A page of ${what}s.`,
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        description: `The ${what}s of this page with their cursors.`,
        extensions: { pageItems: true } satisfies CostExtensions,
        resolve: (page) => page.edges,
      }),
      nodes: t.field({
        type: [node],
        description: `The ${what}s of this page.`,
        extensions: { pageItems: true } satisfies CostExtensions,
        resolve: (page) => page.edges.map((edge) => edge.node) as never,
      }),
      pageInfo: t.field({
        type: PageInfo,
        description: 'How to get the next page.',
        resolve: (page) => ({ hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
      }),
      totalCount: t.int({ description: `How many ${what}s match, over all pages.`, resolve: (page) => page.totalCount() }),
    }),
  });
}

/** The page arguments every list takes: a required bound and a cursor. */
export const pageArgs = builder.args((t) => ({
  first: t.int({ required: true, description: `How many items to return, 1 to ${PAGE_MAX}.` }),
  after: t.string({ description: 'The endCursor of the previous page.' }),
}));
