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
    installedOn
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

/** The member nodes that have a file with these bytes installed: "which servers have this patch?". */
export const ContentHoldersQuery = graphql(`
  query ContentHolders($sha256: String!) {
    nodesWithContent(sha256: $sha256, first: 100) {
      totalCount
      nodes {
        node {
          id
          name
          status
          cluster {
            name
          }
        }
        item {
          kind
          name
          loaded
          changedAt
        }
      }
    }
  }
`);

export type ContentItem = ResultOf<typeof ContentItemFields>;
export type ContentHolder = ResultOf<typeof ContentHoldersQuery>['nodesWithContent']['nodes'][number];
export type ContentFilter = NonNullable<VariablesOf<typeof ContentItemsQuery>['filter']>;
