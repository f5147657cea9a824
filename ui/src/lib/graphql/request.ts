import type { AnyVariables, Client, TypedDocumentNode } from '@urql/core';

/** Runs a query against the network (never a cache); throws the CombinedError on failure. */
export async function fetchQuery<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const result = await client.query(document, variables, { requestPolicy: 'network-only' }).toPromise();
  if (result.error) throw result.error;
  if (!result.data) throw new Error('The Operations Center returned no data.');
  return result.data;
}

export interface Page<T> {
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
  nodes: T[];
}

/** Follows `endCursor` until the last page; lists are served at most 100 items at a time. */
export async function fetchAllPages<T>(fetchPage: (after: string | null) => Promise<Page<T> | null>): Promise<T[]> {
  const items: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Page<T> | null = await fetchPage(after);
    if (!page) return items;
    items.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return items;
    after = page.pageInfo.endCursor;
  }
}

/** Runs a mutation; throws the CombinedError on failure. Expected failures arrive as result unions. */
export async function runMutation<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const result = await client.mutation(document, variables).toPromise();
  if (result.error) throw result.error;
  if (!result.data) throw new Error('The Operations Center returned no data.');
  return result.data;
}
