import { graphql, type ResultOf, type VariablesOf } from '$lib/graphql/graphql';
import { ErrorFields } from '$lib/operations/operations.graphql';
import { RefusalFields } from './alerts.graphql';

export const RemediationPolicyFields = graphql(`
  fragment RemediationPolicyFields on RemediationPolicy {
    id
    name
    target
    statuses
    causes
    for
    maxRestartsPerHour
    flapWindow
    enabled
    createdBy
    actions(first: 20) {
      at
      nodeId
      nodeName
      outcome
      message
      operationId
    }
    holds {
      nodeId
      nodeName
      clusterName
      since
      reason
    }
  }
`);

export const RemediationPoliciesQuery = graphql(
  `
    query RemediationPolicies {
      remediationPolicies {
        ...RemediationPolicyFields
      }
    }
  `,
  [RemediationPolicyFields],
);

export const CreateRemediationPolicyMutation = graphql(
  `
    mutation CreateRemediationPolicy($input: RemediationPolicyInput!) {
      createRemediationPolicy(input: $input) {
        __typename
        ... on RemediationPolicy {
          id
        }
        ...RefusalFields
      }
    }
  `,
  [RefusalFields],
);

export const UpdateRemediationPolicyMutation = graphql(
  `
    mutation UpdateRemediationPolicy($id: ID!, $input: RemediationPolicyInput!) {
      updateRemediationPolicy(id: $id, input: $input) {
        __typename
        ... on RemediationPolicy {
          id
        }
        ...RefusalFields
      }
    }
  `,
  [RefusalFields],
);

export const SetRemediationPolicyEnabledMutation = graphql(
  `
    mutation SetRemediationPolicyEnabled($id: ID!, $enabled: Boolean!) {
      setRemediationPolicyEnabled(id: $id, enabled: $enabled) {
        __typename
        ... on RemediationPolicy {
          id
          enabled
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const DeleteRemediationPolicyMutation = graphql(
  `
    mutation DeleteRemediationPolicy($id: ID!) {
      deleteRemediationPolicy(id: $id) {
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

export const ReleaseRemediationHoldMutation = graphql(
  `
    mutation ReleaseRemediationHold($id: ID!, $node: ID) {
      releaseRemediationHold(id: $id, node: $node) {
        __typename
        ... on RemediationPolicy {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export type RemediationPolicyView = ResultOf<typeof RemediationPolicyFields>;
export type RemediationAction = RemediationPolicyView['actions'][number];
export type RemediationHold = RemediationPolicyView['holds'][number];
export type RemediationPolicyInput = VariablesOf<typeof CreateRemediationPolicyMutation>['input'];
