import { graphql, type ResultOf, type VariablesOf } from '$lib/graphql/graphql';

export const ErrorFields = graphql(`
  fragment ErrorFields on Error {
    code
    message
  }
`);

export const OperationProgressFields = graphql(`
  fragment OperationProgressFields on OperationProgress {
    total
    pending
    inFlight
    succeeded
    failed
    cancelled
    reverted
  }
`);

export const StrategyFields = graphql(`
  fragment StrategyFields on Strategy {
    maxParallel
    maxUnavailable
    maxUnavailablePercent
    minHealthyTime
    healthyDeadline
    progressDeadline
    maxFailures
    canary
    autoPromote
    pauseBetweenBatches
    includeManagers
    rollbackOnFailure
  }
`);

export const OperationSummaryFields = graphql(
  `
    fragment OperationSummaryFields on Operation {
      id
      kind
      state
      stateReason
      description
      requestedBy
      scheduleId
      createdAt
      startedAt
      finishedAt
      target
      progress {
        ...OperationProgressFields
      }
    }
  `,
  [OperationProgressFields],
);

export const OperationsQuery = graphql(
  `
    query Operations($filter: OperationFilter, $after: String) {
      operations(first: 50, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          ...OperationSummaryFields
        }
      }
    }
  `,
  [OperationSummaryFields],
);

export const DeployChangeFields = graphql(`
  fragment DeployChangeFields on DeployChange {
    summary
    restart
    remove
    install {
      kind
      name
      version
      contentItemId
    }
  }
`);

export const OperationStepFields = graphql(
  `
    fragment OperationStepFields on OperationStep {
      id
      position
      batch
      canary
      phase
      change {
        ...DeployChangeFields
      }
      nodeId
      nodeName
      clusterId
      clusterName
      role
      state
      message
      attempts
      dispatchedAt
      restartedAt
      healthyAt
      finishedAt
    }
  `,
  [DeployChangeFields],
);

export const OperationQuery = graphql(
  `
    query Operation($id: ID!) {
      operation(id: $id) {
        ...OperationSummaryFields
        strategy {
          ...StrategyFields
        }
        budgets {
          clusterId
          clusterName
          size
          maxUnavailable
          unavailableNow
          ok
          reason
        }
      }
    }
  `,
  [OperationSummaryFields, StrategyFields],
);

export const OperationStepsQuery = graphql(
  `
    query OperationSteps($id: ID!, $after: String) {
      operation(id: $id) {
        steps(first: 100, after: $after) {
          pageInfo {
            endCursor
            hasNextPage
          }
          nodes {
            ...OperationStepFields
          }
        }
      }
    }
  `,
  [OperationStepFields],
);

export const PlanOperationQuery = graphql(
  `
    query PlanOperation($input: OperationInput!) {
      planOperation(input: $input) {
        kind
        nodeCount
        warnings
        conflicts
        strategy {
          ...StrategyFields
        }
        budgets {
          clusterId
          clusterName
          size
          maxUnavailable
          unavailableNow
          ok
          reason
        }
        batches {
          number
          canary
          nodes {
            nodeId
            nodeName
            clusterName
            role
            status
            change {
              ...DeployChangeFields
            }
          }
        }
      }
    }
  `,
  [StrategyFields, DeployChangeFields],
);

export const CreateOperationMutation = graphql(
  `
    mutation CreateOperation($input: OperationInput!, $idempotencyKey: String) {
      createOperation(input: $input, idempotencyKey: $idempotencyKey) {
        __typename
        ... on Operation {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const PauseOperationMutation = graphql(
  `
    mutation PauseOperation($id: ID!) {
      pauseOperation(id: $id) {
        __typename
        ... on Operation {
          id
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const ResumeOperationMutation = graphql(
  `
    mutation ResumeOperation($id: ID!) {
      resumeOperation(id: $id) {
        __typename
        ... on Operation {
          id
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const CancelOperationMutation = graphql(
  `
    mutation CancelOperation($id: ID!) {
      cancelOperation(id: $id) {
        __typename
        ... on Operation {
          id
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const PromoteOperationMutation = graphql(
  `
    mutation PromoteOperation($id: ID!) {
      promoteOperation(id: $id) {
        __typename
        ... on Operation {
          id
          state
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const OperationProgressSubscription = graphql(
  `
    subscription OperationProgress($id: ID, $afterSequence: SafeInt) {
      operationProgress(id: $id, afterSequence: $afterSequence) {
        __typename
        ... on OperationUpdate {
          sequence
          operationId
          state
          reason
          at
          progress {
            ...OperationProgressFields
          }
        }
        ... on StepUpdate {
          sequence
          operationId
          stepId
          stepState: state
          message
          at
        }
        ... on OperationResyncRequired {
          sequence
          reason
        }
      }
    }
  `,
  [OperationProgressFields],
);

export type OperationSummary = ResultOf<typeof OperationSummaryFields>;
export type OperationDetails = NonNullable<ResultOf<typeof OperationQuery>['operation']>;
export type OperationStep = ResultOf<typeof OperationStepFields>;
export type OperationPlan = ResultOf<typeof PlanOperationQuery>['planOperation'];
export type OperationInput = VariablesOf<typeof PlanOperationQuery>['input'];
export type OperationProgressEvent = ResultOf<typeof OperationProgressSubscription>['operationProgress'];
export type Strategy = ResultOf<typeof StrategyFields>;
export type DeployChange = ResultOf<typeof DeployChangeFields>;
