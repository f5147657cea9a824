import { graphql, type ResultOf } from '$lib/graphql/graphql';

export const NodeQuery = graphql(`
  query Node($id: ID!) {
    node(id: $id) {
      id
      name
      role
      status
      statusCause
      statusSince
      maintenanceOperationId
      address
      consoleUrl
      version
      reportedState
      joinedAt
      leftAt
      lastHeartbeatAt
      lastHealthyAt
      labels
      tags
      effectiveTags
      stats {
        cpuPercent
        memoryBytes
        load1
        diskPercent
        uptimeSeconds
        reportedAt
        current
      }
      cluster {
        id
        name
      }
      inventory {
        kind
        name
        sha256
        size
        installed
        loaded
        changedAt
      }
      tenants {
        name
        status
        changedAt
      }
    }
  }
`);

export const StatusChangeFields = graphql(`
  fragment StatusChangeFields on StatusChange {
    id
    from
    to
    cause
    at
    operationId
  }
`);

export const NodeHistoryQuery = graphql(
  `
    query NodeHistory($id: ID!, $first: Int!, $after: String) {
      node(id: $id) {
        statusHistory(first: $first, after: $after) {
          totalCount
          pageInfo {
            endCursor
            hasNextPage
          }
          nodes {
            ...StatusChangeFields
          }
        }
      }
    }
  `,
  [StatusChangeFields],
);

export const NodeStatsSeriesQuery = graphql(`
  query NodeStatsSeries($id: ID!, $since: DateTime!) {
    node(id: $id) {
      statsSeries(since: $since) {
        minute
        cpuPercent
        memoryBytes
      }
    }
  }
`);

export type NodeDetails = NonNullable<ResultOf<typeof NodeQuery>['node']>;
export type StatusChange = ResultOf<typeof StatusChangeFields>;
export type StatsPoint = NonNullable<ResultOf<typeof NodeStatsSeriesQuery>['node']>['statsSeries'][number];
