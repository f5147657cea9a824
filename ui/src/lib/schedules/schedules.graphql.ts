import { graphql, type ResultOf, type VariablesOf } from '$lib/graphql/graphql';
import { ErrorFields } from '$lib/operations/operations.graphql';

export const ScheduleFields = graphql(`
  fragment ScheduleFields on Schedule {
    id
    name
    kind
    cron
    timezone
    enabled
    overlapPolicy
    startingDeadline
    createdBy
    operation
    nextRuns(count: 3)
    runs(first: 1) {
      nodes {
        id
        scheduledFor
        state
        message
        operationId
      }
    }
  }
`);

export const SchedulesQuery = graphql(
  `
    query Schedules($after: String) {
      schedules(first: 100, after: $after) {
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          ...ScheduleFields
        }
      }
    }
  `,
  [ScheduleFields],
);

export const PreviewScheduleQuery = graphql(`
  query PreviewSchedule($cron: String!, $timezone: String!) {
    previewSchedule(cron: $cron, timezone: $timezone, count: 5)
  }
`);

export const CreateScheduleMutation = graphql(
  `
    mutation CreateSchedule($input: ScheduleInput!) {
      createSchedule(input: $input) {
        __typename
        ... on Schedule {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const SetScheduleEnabledMutation = graphql(
  `
    mutation SetScheduleEnabled($id: ID!, $enabled: Boolean!) {
      setScheduleEnabled(id: $id, enabled: $enabled) {
        __typename
        ... on Schedule {
          id
          enabled
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const DeleteScheduleMutation = graphql(
  `
    mutation DeleteSchedule($id: ID!) {
      deleteSchedule(id: $id) {
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

export type Schedule = ResultOf<typeof ScheduleFields>;
export type ScheduleInput = VariablesOf<typeof CreateScheduleMutation>['input'];
