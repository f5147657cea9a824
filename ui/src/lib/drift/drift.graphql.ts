import { graphql, type ResultOf } from '$lib/graphql/graphql';

const DriftCountFields = graphql(`
  fragment DriftCountFields on DriftCounts {
    inSync
    missing
    different
    installedNotLoaded
    unexpected
  }
`);

export const DriftSummaryQuery = graphql(
  `
    query DriftSummary($target: Target!) {
      driftSummary(target: $target) {
        nodeCount
        total {
          ...DriftCountFields
        }
        clusters {
          clusterName
          inSync
          missing
          different
          installedNotLoaded
          unexpected
        }
        items {
          kind
          name
        }
      }
    }
  `,
  [DriftCountFields],
);

/** Drift is costly per node: the OC's query cost limit allows about ten nodes per request. */
export const DriftNodesQuery = graphql(`
  query DriftNodes($target: Target!, $after: String) {
    nodes(first: 10, after: $after, target: $target) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        name
        cluster {
          id
          name
        }
        drift {
          kind
          name
          state
        }
      }
    }
  }
`);

export const NodeDriftQuery = graphql(`
  query NodeDrift($id: ID!) {
    node(id: $id) {
      id
      drift {
        kind
        name
        state
        baselineName
        wanted {
          id
          version
        }
        wantedSha256
        installedSha256
      }
    }
  }
`);

export type DriftSummary = ResultOf<typeof DriftSummaryQuery>['driftSummary'];
export type DriftCounts = DriftSummary['total'];
export type DriftNode = ResultOf<typeof DriftNodesQuery>['nodes']['nodes'][number];
export type FileDrift = NonNullable<ResultOf<typeof NodeDriftQuery>['node']>['drift'][number];
