import { ClusterSummaryFields } from '$lib/clusters/clusters.graphql';
import { graphql, type ResultOf } from '$lib/graphql/graphql';

export const TopologyNodeFields = graphql(`
  fragment TopologyNodeFields on Node {
    id
    name
    role
    status
    statusSince
    effectiveTags
  }
`);

/** Every node of the system, page by page, ordered by cluster, role and name. */
export const TopologyNodesQuery = graphql(
  `
    query TopologyNodes($after: String) {
      nodes(first: 100, after: $after) {
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          ...TopologyNodeFields
          cluster {
            id
          }
        }
      }
    }
  `,
  [TopologyNodeFields],
);

export const TopologyClusterNodesQuery = graphql(
  `
    query TopologyClusterNodes($id: ID!, $after: String) {
      cluster(id: $id) {
        nodes(first: 100, after: $after) {
          pageInfo {
            endCursor
            hasNextPage
          }
          nodes {
            ...TopologyNodeFields
          }
        }
      }
    }
  `,
  [TopologyNodeFields],
);

export const TopologyClusterSummaryQuery = graphql(
  `
    query TopologyClusterSummary($id: ID!) {
      cluster(id: $id) {
        ...ClusterSummaryFields
      }
    }
  `,
  [ClusterSummaryFields],
);

export type TopologyNodeData = ResultOf<typeof TopologyNodeFields>;
