import { graphql, type ResultOf } from '$lib/graphql/graphql';

export const AvailabilityFigures = graphql(`
  fragment AvailabilityFigures on AvailabilityReport {
    uptimePercent
    availabilityPercent
    incidents
    openIncidents
    mttr
    mtbf
    up
    plannedDowntime
    unplannedDowntime
    unknown
  }
`);

export const AvailabilityQuery = graphql(
  `
    query Availability($target: Target!, $since: DateTime!, $until: DateTime, $buckets: Int) {
      availability(target: $target, since: $since, until: $until, buckets: $buckets) {
        ...AvailabilityFigures
        from
        to
        nodeCount
        intervalsTruncated
        buckets {
          from
          to
          up
          plannedDowntime
          unplannedDowntime
          unknown
          incidents
        }
        intervals {
          nodeId
          nodeName
          clusterName
          kind
          from
          to
          duration
          cause
          operationId
        }
        nodes {
          nodeId
          nodeName
          clusterName
          uptimePercent
          availabilityPercent
          incidents
          openIncidents
          mttr
          mtbf
          plannedDowntime
          unplannedDowntime
          unknown
        }
      }
    }
  `,
  [AvailabilityFigures],
);

/** The CSV is asked for only when someone downloads it, for the same window as the report shown. */
export const AvailabilityCsvQuery = graphql(`
  query AvailabilityCsv($target: Target!, $since: DateTime!, $until: DateTime) {
    availability(target: $target, since: $since, until: $until, buckets: 1) {
      csv
    }
  }
`);

export const AvailabilityNodesQuery = graphql(`
  query AvailabilityNodes($after: String) {
    nodes(first: 100, after: $after) {
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        name
        cluster {
          name
        }
      }
    }
  }
`);

export type AvailabilityReport = ResultOf<typeof AvailabilityQuery>['availability'];
export type AvailabilityBucket = AvailabilityReport['buckets'][number];
export type DowntimeInterval = AvailabilityReport['intervals'][number];
export type NodeAvailability = AvailabilityReport['nodes'][number];
