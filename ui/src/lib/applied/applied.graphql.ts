import { graphql, type ResultOf } from '$lib/graphql/graphql';

export const AppliedContentQuery = graphql(`
  query AppliedContent($target: Target, $kind: ContentKind, $after: String) {
    appliedContent(target: $target, kind: $kind, first: 100, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        clusterName
        nodeId
        nodeName
        kind
        name
        version
        sha256
        installedSince
        loaded
        operationId
        requestedBy
        appliedAt
        item {
          id
        }
      }
    }
  }
`);

export type AppliedContentRow = ResultOf<typeof AppliedContentQuery>['appliedContent']['nodes'][number];
