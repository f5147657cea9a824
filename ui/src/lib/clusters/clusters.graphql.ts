import { graphql, type ResultOf } from '$lib/graphql/graphql';

export const StatusCountsFields = graphql(`
  fragment StatusCountsFields on StatusCounts {
    up
    suspect
    down
    unknown
    maintenance
    left
    total
  }
`);

export const SystemOverviewQuery = graphql(
  `
    query SystemOverview {
      systemOverview {
        clusterCount
        nodes {
          ...StatusCountsFields
        }
        clustersByHealth {
          unreachable
          critical
          degraded
          pending
          healthy
        }
      }
    }
  `,
  [StatusCountsFields],
);

export const ClusterSummaryFields = graphql(
  `
    fragment ClusterSummaryFields on Cluster {
      id
      name
      productKind
      health
      managerStatus
      tags
      manager {
        id
        name
      }
      workerCounts {
        ...StatusCountsFields
      }
    }
  `,
  [StatusCountsFields],
);

export const ClustersQuery = graphql(
  `
    query Clusters($after: String, $orderBy: ClusterOrder) {
      clusters(first: 100, after: $after, orderBy: $orderBy) {
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          ...ClusterSummaryFields
        }
      }
    }
  `,
  [ClusterSummaryFields],
);

/** The ids of the clusters carrying all of `tags`, on the cluster itself or on any of its nodes. */
export const TaggedClustersQuery = graphql(`
  query TaggedClusters($tags: [String!], $after: String) {
    clusters(first: 100, after: $after, filter: { tags: $tags }) {
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
      }
    }
  }
`);

export const ClusterQuery = graphql(
  `
    query Cluster($id: ID!) {
      cluster(id: $id) {
        ...ClusterSummaryFields
        description
        consoleUrl
        createdAt
      }
    }
  `,
  [ClusterSummaryFields],
);

export const ClusterNodeFields = graphql(`
  fragment ClusterNodeFields on Node {
    id
    name
    role
    status
    statusSince
    version
    lastHealthyAt
    tags
    effectiveTags
    stats {
      cpuPercent
      memoryBytes
      load1
      uptimeSeconds
      reportedAt
      current
    }
  }
`);

export const ClusterNodesQuery = graphql(
  `
    query ClusterNodes($id: ID!, $after: String) {
      cluster(id: $id) {
        nodes(first: 100, after: $after) {
          pageInfo {
            endCursor
            hasNextPage
          }
          nodes {
            ...ClusterNodeFields
          }
        }
      }
    }
  `,
  [ClusterNodeFields],
);

export type ClusterSummary = ResultOf<typeof ClusterSummaryFields>;
export type ClusterNode = ResultOf<typeof ClusterNodeFields>;

/** The credential the cluster's manager agent uses now; admins only. */
export const AgentCredentialQuery = graphql(`
  query AgentCredential($id: ID!) {
    cluster(id: $id) {
      id
      agentCredential {
        issuedAt
        expiresAt
        renewAfter
      }
    }
  }
`);

export const RevokeAgentCredentialsMutation = graphql(`
  mutation RevokeAgentCredentials($cluster: String!) {
    revokeAgentCredentials(cluster: $cluster) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);
