import { graphql, type ResultOf, type VariablesOf } from '$lib/graphql/graphql';
import { ErrorFields } from '$lib/operations/operations.graphql';

export const ContentItemFields = graphql(`
  fragment ContentItemFields on ContentItem {
    id
    kind
    name
    version
    sha256
    size
    productKinds
    requiresRestart
    description
    uploadedBy
    uploadedAt
  }
`);

export const ContentItemsQuery = graphql(
  `
    query ContentItems($filter: ContentFilter, $after: String) {
      contentItems(first: 50, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          ...ContentItemFields
        }
      }
    }
  `,
  [ContentItemFields],
);

export const ContentItemQuery = graphql(
  `
    query ContentItem($id: ID!) {
      contentItem(id: $id) {
        ...ContentItemFields
      }
    }
  `,
  [ContentItemFields],
);

export const DeleteContentItemMutation = graphql(
  `
    mutation DeleteContentItem($id: ID!) {
      deleteContentItem(id: $id) {
        __typename
        ... on Removed {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export type ContentItem = ResultOf<typeof ContentItemFields>;
export type ContentFilter = NonNullable<VariablesOf<typeof ContentItemsQuery>['filter']>;
