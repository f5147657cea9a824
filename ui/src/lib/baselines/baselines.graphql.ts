import { graphql, type ResultOf, type VariablesOf } from '$lib/graphql/graphql';
import { ErrorFields } from '$lib/operations/operations.graphql';

export const BaselineItemFields = graphql(`
  fragment BaselineItemFields on ContentItem {
    id
    kind
    name
    version
  }
`);

export const BaselineVersionFields = graphql(
  `
    fragment BaselineVersionFields on BaselineVersion {
      version
      target
      message
      author
      createdAt
      items {
        ...BaselineItemFields
      }
    }
  `,
  [BaselineItemFields],
);

export const BaselinesQuery = graphql(
  `
    query Baselines($after: String) {
      baselines(first: 50, after: $after) {
        totalCount
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          id
          name
          currentVersion
          current {
            ...BaselineVersionFields
          }
        }
      }
    }
  `,
  [BaselineVersionFields],
);

export const EnforcementFields = graphql(`
  fragment EnforcementFields on Schedule {
    id
    name
    cron
    timezone
    enabled
    nextRuns(count: 1)
  }
`);

export const BaselineQuery = graphql(
  `
    query Baseline($id: String!) {
      baseline(id: $id) {
        id
        name
        currentVersion
        current {
          ...BaselineVersionFields
        }
        versions(first: 100) {
          totalCount
          nodes {
            ...BaselineVersionFields
          }
        }
        enforcement {
          ...EnforcementFields
        }
      }
    }
  `,
  [BaselineVersionFields, EnforcementFields],
);

export const BaselineDiffQuery = graphql(
  `
    query BaselineDiff($id: String!, $from: Int!, $to: Int!) {
      baseline(id: $id) {
        id
        diff(from: $from, to: $to) {
          targetChanged
          from {
            version
            target
          }
          to {
            version
            target
          }
          added {
            ...BaselineItemFields
          }
          removed {
            ...BaselineItemFields
          }
        }
      }
    }
  `,
  [BaselineItemFields],
);

/** Baseline mutations answer with the baseline, or an error that may blame one field. */
export const BaselineResultFields = graphql(`
  fragment BaselineResultFields on Baseline {
    id
    name
    currentVersion
  }
`);

export const CreateBaselineMutation = graphql(
  `
    mutation CreateBaseline($name: String!, $input: BaselineInput!) {
      createBaseline(name: $name, input: $input) {
        __typename
        ...BaselineResultFields
        ...ErrorFields
        ... on ValidationError {
          field
        }
      }
    }
  `,
  [BaselineResultFields, ErrorFields],
);

export const UpdateBaselineMutation = graphql(
  `
    mutation UpdateBaseline($id: String!, $input: BaselineInput!) {
      updateBaseline(id: $id, input: $input) {
        __typename
        ...BaselineResultFields
        ...ErrorFields
        ... on ValidationError {
          field
        }
      }
    }
  `,
  [BaselineResultFields, ErrorFields],
);

export const RestoreBaselineVersionMutation = graphql(
  `
    mutation RestoreBaselineVersion($id: String!, $version: Int!, $message: String!) {
      restoreBaselineVersion(id: $id, version: $version, message: $message) {
        __typename
        ...BaselineResultFields
        ...ErrorFields
        ... on ValidationError {
          field
        }
      }
    }
  `,
  [BaselineResultFields, ErrorFields],
);

export const DeleteBaselineMutation = graphql(
  `
    mutation DeleteBaseline($id: String!) {
      deleteBaseline(id: $id) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const EnforceBaselineMutation = graphql(
  `
    mutation EnforceBaseline($baseline: String!, $input: EnforcementInput!) {
      enforceBaseline(baseline: $baseline, input: $input) {
        __typename
        ...EnforcementFields
        ...ErrorFields
      }
    }
  `,
  [EnforcementFields, ErrorFields],
);

export const StopEnforcingBaselineMutation = graphql(
  `
    mutation StopEnforcingBaseline($baseline: String!) {
      stopEnforcingBaseline(baseline: $baseline) {
        __typename
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const NodeDesiredStateQuery = graphql(
  `
    query NodeDesiredState($id: ID!) {
      node(id: $id) {
        id
        desiredState {
          items {
            item {
              ...BaselineItemFields
            }
            baselineName
            sha256
          }
          conflicts {
            kind
            name
            claims {
              baselineName
              item {
                ...BaselineItemFields
              }
            }
          }
        }
      }
    }
  `,
  [BaselineItemFields],
);

export const NodeChoicesQuery = graphql(`
  query NodeChoices($after: String) {
    nodes(first: 100, after: $after) {
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        name
        role
        cluster {
          name
        }
      }
    }
  }
`);

export type BaselineItem = ResultOf<typeof BaselineItemFields>;
export type BaselineVersion = ResultOf<typeof BaselineVersionFields>;
export type BaselineSummary = ResultOf<typeof BaselinesQuery>['baselines']['nodes'][number];
export type BaselineDetail = NonNullable<ResultOf<typeof BaselineQuery>['baseline']>;
export type Enforcement = ResultOf<typeof EnforcementFields>;
export type BaselineDiff = NonNullable<ResultOf<typeof BaselineDiffQuery>['baseline']>['diff'];
export type BaselineInput = VariablesOf<typeof CreateBaselineMutation>['input'];
export type DesiredState = NonNullable<ResultOf<typeof NodeDesiredStateQuery>['node']>['desiredState'];
