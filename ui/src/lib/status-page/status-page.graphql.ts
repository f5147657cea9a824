import { graphql, type ResultOf } from '$lib/graphql/graphql';
import { ErrorFields } from '$lib/operations/operations.graphql';

export const StatusPageQuery = graphql(`
  query StatusPage {
    statusPage {
      title
      description
      path
      components {
        id
        name
        position
        target
        state
        underMaintenance
      }
      incidents {
        id
        title
        state
        componentIds
        createdAt
        resolvedAt
        updates {
          at
          state
          message
          author
        }
      }
    }
  }
`);

export type StatusPageView = ResultOf<typeof StatusPageQuery>['statusPage'];
export type StatusComponentView = StatusPageView['components'][number];
export type StatusIncidentView = StatusPageView['incidents'][number];

export const SetStatusPageSettingsMutation = graphql(
  `
    mutation SetStatusPageSettings($title: String!, $description: String) {
      setStatusPageSettings(title: $title, description: $description) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const AddStatusComponentMutation = graphql(
  `
    mutation AddStatusComponent($input: StatusComponentInput!) {
      addStatusComponent(input: $input) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const UpdateStatusComponentMutation = graphql(
  `
    mutation UpdateStatusComponent($id: ID!, $input: StatusComponentInput!) {
      updateStatusComponent(id: $id, input: $input) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const RemoveStatusComponentMutation = graphql(
  `
    mutation RemoveStatusComponent($id: ID!) {
      removeStatusComponent(id: $id) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const ReorderStatusComponentsMutation = graphql(
  `
    mutation ReorderStatusComponents($ids: [ID!]!) {
      reorderStatusComponents(ids: $ids) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const PublishStatusIncidentMutation = graphql(
  `
    mutation PublishStatusIncident($input: StatusIncidentInput!) {
      publishStatusIncident(input: $input) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const PostStatusIncidentUpdateMutation = graphql(
  `
    mutation PostStatusIncidentUpdate($id: ID!, $state: StatusIncidentState!, $message: String!) {
      postStatusIncidentUpdate(id: $id, state: $state, message: $message) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);
