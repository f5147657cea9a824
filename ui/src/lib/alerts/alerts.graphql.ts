import { graphql, type ResultOf, type VariablesOf } from '$lib/graphql/graphql';
import { ErrorFields } from '$lib/operations/operations.graphql';

/** Why a save was refused: the error, and the argument a validation error names, to show it at its field. */
export const RefusalFields = graphql(
  `
    fragment RefusalFields on Error {
      ...ErrorFields
      ... on ValidationError {
        field
      }
    }
  `,
  [ErrorFields],
);

export const AlertFields = graphql(`
  fragment AlertFields on Alert {
    id
    state
    subjectKind
    subjectId
    subjectName
    clusterId
    clusterName
    summary
    description
    labels
    value
    activeAt
    firedAt
    resolvedAt
    inhibitedBy
    silenceId
    acknowledgedAt
    acknowledgedBy
    acknowledgement
    remediationOperationId
    rule {
      id
      name
      severity
    }
  }
`);

export const AlertsQuery = graphql(
  `
    query Alerts($after: String, $states: [AlertState!], $suppressed: Boolean) {
      alerts(first: 100, after: $after, states: $states, suppressed: $suppressed) {
        totalCount
        pageInfo {
          endCursor
          hasNextPage
        }
        nodes {
          ...AlertFields
        }
      }
    }
  `,
  [AlertFields],
);

export const AlertCountsQuery = graphql(`
  query AlertCounts {
    alertCounts {
      firing
      pending
      inhibited
      silenced
    }
  }
`);

export const NotificationFields = graphql(`
  fragment NotificationFields on Notification {
    id
    type
    title
    state
    attempts
    lastError
    createdAt
    deliveredAt
    nextAttemptAt
    alertId
    channel {
      id
      name
      kind
    }
    attemptLog {
      attempt
      at
      succeeded
      outcome
    }
  }
`);

export const AlertQuery = graphql(
  `
    query Alert($id: ID!) {
      alert(id: $id) {
        ...AlertFields
        history {
          at
          kind
          message
          actor
        }
        notifications {
          ...NotificationFields
        }
      }
    }
  `,
  [AlertFields, NotificationFields],
);

export const AlertEventsSubscription = graphql(`
  subscription AlertEvents($afterSequence: SafeInt) {
    alerts(afterSequence: $afterSequence) {
      __typename
      ... on AlertChange {
        sequence
        alertId
        change
        state
        severity
        ruleName
        subjectName
        clusterName
        summary
        silenced
        inhibitedBy
        at
      }
      ... on ResyncRequired {
        sequence
        reason
      }
    }
  }
`);

export const AcknowledgeAlertMutation = graphql(
  `
    mutation AcknowledgeAlert($id: ID!, $comment: String!) {
      acknowledgeAlert(id: $id, comment: $comment) {
        __typename
        ... on Alert {
          id
          acknowledgedAt
          acknowledgedBy
          acknowledgement
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const AlertRuleFields = graphql(`
  fragment AlertRuleFields on AlertRule {
    id
    name
    description
    severity
    labels
    target
    condition
    for
    groupInterval
    channelIds
    enabled
    createdBy
  }
`);

export const AlertRulesQuery = graphql(
  `
    query AlertRules {
      alertRules {
        ...AlertRuleFields
      }
      notificationChannels {
        id
        name
        kind
      }
      remediationPolicies {
        id
        name
      }
    }
  `,
  [AlertRuleFields],
);

export const CreateAlertRuleMutation = graphql(
  `
    mutation CreateAlertRule($input: AlertRuleInput!) {
      createAlertRule(input: $input) {
        __typename
        ... on AlertRule {
          id
        }
        ...RefusalFields
      }
    }
  `,
  [RefusalFields],
);

export const UpdateAlertRuleMutation = graphql(
  `
    mutation UpdateAlertRule($id: ID!, $input: AlertRuleInput!) {
      updateAlertRule(id: $id, input: $input) {
        __typename
        ... on AlertRule {
          id
        }
        ...RefusalFields
      }
    }
  `,
  [RefusalFields],
);

export const SetAlertRuleEnabledMutation = graphql(
  `
    mutation SetAlertRuleEnabled($id: ID!, $enabled: Boolean!) {
      setAlertRuleEnabled(id: $id, enabled: $enabled) {
        __typename
        ... on AlertRule {
          id
          enabled
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const DeleteAlertRuleMutation = graphql(
  `
    mutation DeleteAlertRule($id: ID!) {
      deleteAlertRule(id: $id) {
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

export const SilencesQuery = graphql(`
  query Silences {
    silences {
      id
      active
      comment
      createdBy
      startsAt
      endsAt
      matchers {
        label
        value
        regex
      }
    }
  }
`);

export const CreateSilenceMutation = graphql(
  `
    mutation CreateSilence($input: SilenceInput!) {
      createSilence(input: $input) {
        __typename
        ... on Silence {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const ExpireSilenceMutation = graphql(
  `
    mutation ExpireSilence($id: ID!) {
      expireSilence(id: $id) {
        __typename
        ... on Silence {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export const NotificationChannelFields = graphql(`
  fragment NotificationChannelFields on NotificationChannel {
    id
    name
    kind
    enabled
    maxAttempts
    url
    host
    smtpHost
    smtpPort
    smtpSecure
    smtpUser
    from
    to
    secretSet
    createdBy
  }
`);

export const NotificationChannelsQuery = graphql(
  `
    query NotificationChannels {
      notificationChannels {
        ...NotificationChannelFields
      }
    }
  `,
  [NotificationChannelFields],
);

export const NotificationsQuery = graphql(
  `
    query Notifications($channel: ID) {
      notifications(first: 20, channel: $channel) {
        totalCount
        nodes {
          ...NotificationFields
        }
      }
    }
  `,
  [NotificationFields],
);

export const CreateNotificationChannelMutation = graphql(
  `
    mutation CreateNotificationChannel($input: NotificationChannelInput!) {
      createNotificationChannel(input: $input) {
        __typename
        ... on NotificationChannel {
          id
        }
        ...RefusalFields
      }
    }
  `,
  [RefusalFields],
);

export const UpdateNotificationChannelMutation = graphql(
  `
    mutation UpdateNotificationChannel($id: ID!, $input: NotificationChannelInput!) {
      updateNotificationChannel(id: $id, input: $input) {
        __typename
        ... on NotificationChannel {
          id
        }
        ...RefusalFields
      }
    }
  `,
  [RefusalFields],
);

export const DeleteNotificationChannelMutation = graphql(
  `
    mutation DeleteNotificationChannel($id: ID!) {
      deleteNotificationChannel(id: $id) {
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

export const TestNotificationChannelMutation = graphql(
  `
    mutation TestNotificationChannel($id: ID!) {
      testNotificationChannel(id: $id) {
        __typename
        ... on Notification {
          id
        }
        ...ErrorFields
      }
    }
  `,
  [ErrorFields],
);

export type AlertView = ResultOf<typeof AlertFields>;
export type AlertDetail = NonNullable<ResultOf<typeof AlertQuery>['alert']>;
export type AlertEvent = ResultOf<typeof AlertEventsSubscription>['alerts'];
export type AlertChange = Extract<AlertEvent, { __typename: 'AlertChange' }>;
export type AlertRuleView = ResultOf<typeof AlertRuleFields>;
export type AlertRuleInput = VariablesOf<typeof CreateAlertRuleMutation>['input'];
export type SilenceView = ResultOf<typeof SilencesQuery>['silences'][number];
export type SilenceInput = VariablesOf<typeof CreateSilenceMutation>['input'];
export type NotificationView = ResultOf<typeof NotificationFields>;
export type NotificationChannelView = ResultOf<typeof NotificationChannelFields>;
export type NotificationChannelInput = VariablesOf<typeof CreateNotificationChannelMutation>['input'];
