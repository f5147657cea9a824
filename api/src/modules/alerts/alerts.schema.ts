import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { ClusterHealthEnum } from '../clusters/clusters.schema.ts';
import { NodeStatusEnum, StatusCauseEnum } from '../liveness/liveness.schema.ts';
import { NotificationRef } from '../notifications/notifications.schema.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import { describe } from './alerts.rules.ts';
import type { RuleInput } from './alerts.service.ts';
import type { AlertHistoryRow, AlertRow, AlertRuleRow, SilenceRow } from './alerts.table.ts';
import { STAT_METRICS } from './alerts.types.ts';

export const SeverityEnum = builder.enumType('AlertSeverity', {
  description: 'How bad it is.',
  values: { INFO: { description: 'Worth knowing.' }, WARNING: { description: 'Needs attention soon.' }, CRITICAL: { description: 'Needs attention now.' } },
});

export const AlertStateEnum = builder.enumType('AlertState', {
  description: 'Where an alert is in its life.',
  values: {
    PENDING: { description: 'The condition holds, but not yet for the rule’s duration.' },
    FIRING: { description: 'The condition has held for the rule’s duration.' },
    RESOLVED: { description: 'The condition no longer holds.' },
  },
});

const SubjectEnum = builder.enumType('AlertSubject', {
  description: 'What an alert is about.',
  values: {
    NODE: { description: 'A node (node status, statistic and anomaly rules).' },
    CLUSTER: { description: 'A cluster (cluster health rules).' },
    OPERATION: { description: 'An operation that failed or timed out.' },
    SCHEDULE: { description: 'A schedule run that was missed.' },
  },
});

const StatMetricEnum = builder.enumType('StatMetric', {
  description: 'A measurement managers report for each node.',
  values: Object.fromEntries(
    STAT_METRICS.map((metric) => [
      metric,
      { description: { CPU: 'CPU %', MEMORY: 'Memory in bytes', DISK: 'Disk used %', LOAD: 'Load average over 1 minute' }[metric] },
    ]),
  ),
});

const RuleRef = builder.objectRef<AlertRuleRow>('AlertRule').implement({
  description: 'When to raise an alert, about which nodes or clusters, and whom to tell.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique name; the alertname label.' }),
    description: t.exposeString('description', { description: 'Template of each alert’s description ({{node}}, {{cluster}}, {{value}}, {{labels.x}}).' }),
    severity: t.field({ type: SeverityEnum, description: 'Severity of its alerts.', resolve: (rule) => rule.severity }),
    labels: t.field({ type: 'JSONObject', description: 'Labels added to its alerts (silences match on them).', resolve: (rule) => rule.labels }),
    target: t.field({ type: 'JSONObject', description: 'The nodes or clusters it watches.', resolve: (rule) => ({ ...rule.target }) }),
    condition: t.field({
      type: 'JSONObject',
      description: 'The condition (kind and settings; windows in milliseconds).',
      resolve: (rule) => ({ ...rule.condition }),
    }),
    for: t.field({ type: 'Duration', description: 'How long the condition must hold before an alert fires.', resolve: (rule) => rule.forMs }),
    groupInterval: t.field({
      type: 'Duration',
      description: 'At most one notification per cluster per this interval.',
      resolve: (rule) => rule.groupIntervalMs,
    }),
    channelIds: t.idList({ description: 'Channels notified.', resolve: (rule) => rule.channelIds }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether it is evaluated.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who created it.' }),
  }),
});

const HistoryRef = builder.objectRef<AlertHistoryRow>('AlertHistoryEntry').implement({
  description: 'One change in an alert’s life.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (entry) => entry.at }),
    kind: t.exposeString('kind', { description: 'PENDING, FIRING, RESOLVED, INHIBITED, SILENCED, NOTIFIED, ACKNOWLEDGED, REMEDIATED…' }),
    message: t.exposeString('message', { description: 'Details.' }),
    actor: t.exposeString('actor', { nullable: true, description: 'Who, for changes people (or policies) made.' }),
  }),
});

export const AlertRef = builder.objectRef<AlertRow>('Alert').implement({
  description: 'An alert: one rule’s condition holding for one node, cluster, operation or schedule.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    rule: t.field({
      type: RuleRef,
      nullable: true,
      description: 'The rule that raised it.',
      resolve: async (alert, _args, context) => (await context.services.alerts.findRule(alert.ruleId)) ?? null,
    }),
    state: t.field({ type: AlertStateEnum, description: 'PENDING, FIRING or RESOLVED.', resolve: (alert) => alert.state }),
    subjectKind: t.field({ type: SubjectEnum, description: 'What it is about.', resolve: (alert) => alert.subjectKind }),
    subjectId: t.exposeString('subjectId', { description: 'The node, cluster, operation or schedule run id.' }),
    subjectName: t.exposeString('subjectName', { description: 'Its name.' }),
    clusterId: t.exposeID('clusterId', { nullable: true, description: 'Its cluster.' }),
    clusterName: t.exposeString('clusterName', { nullable: true, description: 'Its cluster’s name.' }),
    labels: t.field({ type: 'JSONObject', description: 'Its labels (the rule’s, alertname, severity, cluster, node).', resolve: (alert) => alert.labels }),
    summary: t.exposeString('summary', { description: 'What the OC saw, e.g. "app-3 is DOWN (reported failure)".' }),
    description: t.string({
      description: 'The rule’s description template filled in.',
      resolve: async (alert, _args, context) => describe((await context.services.alerts.findRule(alert.ruleId))?.description ?? '', alert),
    }),
    value: t.float({ nullable: true, description: 'The measured value, for statistic and anomaly rules.', resolve: (alert) => alert.value }),
    activeAt: t.field({ type: 'DateTime', description: 'When the condition was first seen.', resolve: (alert) => alert.activeAt }),
    firedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it fired.', resolve: (alert) => alert.firedAt }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it resolved.', resolve: (alert) => alert.resolvedAt }),
    inhibitedBy: t.exposeString('inhibitedBy', {
      nullable: true,
      description: 'Why it notifies nobody: the unreachable manager whose cluster alert stands for it, or the operation holding the node in maintenance.',
    }),
    silenceId: t.exposeID('silenceId', { nullable: true, description: 'The silence that holds it back.' }),
    acknowledgedBy: t.exposeString('acknowledgedBy', { nullable: true, description: 'Who acknowledged it.' }),
    acknowledgedAt: t.field({ type: 'DateTime', nullable: true, description: 'When.', resolve: (alert) => alert.acknowledgedAt }),
    acknowledgement: t.exposeString('acknowledgement', { nullable: true, description: 'Their comment.' }),
    remediationOperationId: t.exposeID('remediationOperationId', { nullable: true, description: 'The operation a self-healing policy started for it.' }),
    history: t.field({
      type: [HistoryRef],
      description: 'Every change, oldest first: the timeline for a postmortem.',
      resolve: (alert, _args, context) => context.services.alerts.history(alert.id),
    }),
    notifications: t.field({
      type: [NotificationRef],
      description: 'The notifications sent about it alone (a grouped notification about several alerts is on the channel).',
      resolve: async (alert, _args, context) =>
        (await context.services.notifications.notifications({ alertId: alert.id }, { first: 50 })).edges.map((edge) => edge.node),
    }),
  }),
});

const AlertConnection = connectionOf('Alert', AlertRef, 'alert');

const SilenceMatcherRef = builder.objectRef<{ label: string; value: string; regex: boolean }>('SilenceMatcher').implement({
  description: 'A label an alert must have for a silence to hold it.',
  fields: (t) => ({
    label: t.exposeString('label', { description: 'Label name, e.g. cluster, node, alertname, severity.' }),
    value: t.exposeString('value', { description: 'The value, or a regular expression matching the whole value.' }),
    regex: t.exposeBoolean('regex', { description: 'Whether value is a regular expression.' }),
  }),
});

const SilenceRef = builder.objectRef<SilenceRow>('Silence').implement({
  description: 'Holds back notifications of matching alerts for a while; they still show, marked silenced.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    matchers: t.field({ type: [SilenceMatcherRef], description: 'All must match.', resolve: (silence) => silence.matchers }),
    startsAt: t.field({ type: 'DateTime', description: 'From.', resolve: (silence) => silence.startsAt }),
    endsAt: t.field({ type: 'DateTime', description: 'Until.', resolve: (silence) => silence.endsAt }),
    comment: t.exposeString('comment', { description: 'Why.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who.' }),
    active: t.boolean({
      description: 'Whether it is in force now.',
      resolve: (silence, _args, context) => {
        const now = context.services.clock.now();
        return silence.startsAt <= now && silence.endsAt > now;
      },
    }),
  }),
});

const AlertCountsRef = builder.objectRef<{ firing: number; pending: number; inhibited: number; silenced: number }>('AlertCounts').implement({
  description: 'Open alerts, for the navigation badge.',
  fields: (t) => ({
    firing: t.exposeInt('firing', { description: 'Firing and notifying.' }),
    pending: t.exposeInt('pending', { description: 'Pending.' }),
    inhibited: t.exposeInt('inhibited', { description: 'Held back by topology (an unreachable manager) or planned maintenance.' }),
    silenced: t.exposeInt('silenced', { description: 'Held back by a silence.' }),
  }),
});

const NodeStatusConditionInput = builder.inputType('NodeStatusCondition', {
  description: 'A node has one of these statuses (e.g. DOWN), optionally for one of these causes (e.g. REPORTED_FAILURE).',
  fields: (t) => ({
    statuses: t.field({ type: [NodeStatusEnum], required: true, description: 'DOWN, SUSPECT or UNKNOWN.' }),
    causes: t.field({ type: [StatusCauseEnum], description: 'Only for these causes.' }),
  }),
});

const ConditionInputRef = builder.inputType('AlertConditionInput', {
  description: 'Exactly one condition.',
  fields: (t) => ({
    nodeStatus: t.field({ type: NodeStatusConditionInput, description: 'A node status held for the rule’s `for`.' }),
    clusterHealth: t.field({
      type: builder.inputType('ClusterHealthCondition', {
        description: 'A cluster health, e.g. CRITICAL or UNREACHABLE.',
        fields: (f) => ({ healths: f.field({ type: [ClusterHealthEnum], required: true, description: 'UNREACHABLE, CRITICAL or DEGRADED.' }) }),
      }),
      description: 'A cluster health held for the rule’s `for`.',
    }),
    statistic: t.field({
      type: builder.inputType('StatisticCondition', {
        description: 'A measurement’s average over a window above a threshold, e.g. CPU above 90 over 5m.',
        fields: (f) => ({
          metric: f.field({ type: StatMetricEnum, required: true, description: 'Which measurement.' }),
          above: f.float({ required: true, description: 'The threshold (a percentage for CPU and DISK).' }),
          window: f.field({ type: 'Duration', description: 'Averaged over (default 5m, from 1m to 1d).' }),
        }),
      }),
      description: 'A statistic over a window.',
    }),
    anomaly: t.field({
      type: builder.inputType('AnomalyCondition', {
        description: 'A node’s latest minute far from its own recent behaviour: a robust z-score (median and MAD) of at least `sensitivity`.',
        fields: (f) => ({
          metric: f.field({ type: StatMetricEnum, required: true, description: 'Which measurement.' }),
          sensitivity: f.float({ description: 'How many deviations count as anomalous (default 3.5; lower is more sensitive).' }),
          window: f.field({ type: 'Duration', description: 'The history compared with (default 1h, from 15m to 7d).' }),
        }),
      }),
      description: 'An anomaly in a node’s statistic.',
    }),
    operationFailed: t.field({
      type: builder.inputType('OperationFailedCondition', {
        description: 'An operation touching the target ended FAILED or TIMED_OUT; the alert resolves once the window has passed.',
        fields: (f) => ({ window: f.field({ type: 'Duration', description: 'How long the alert stands (default 1h).' }) }),
      }),
      description: 'A failed operation.',
    }),
    drift: t.field({
      type: builder.inputType('DriftCondition', {
        description:
          'A worker’s files differ from what its baselines want (missing, different, unexpected, or installed but not loaded); with `for`, for longer than that.',
        fields: (f) => ({ minFiles: f.int({ description: 'At least this many files out of sync (default 1).' }) }),
      }),
      description: 'Drift from baselines.',
    }),
    availability: t.field({
      type: builder.inputType('AvailabilityCondition', {
        description: 'A node’s availability over a window below an objective (planned maintenance does not count against it).',
        fields: (f) => ({
          objective: f.float({ required: true, description: 'The objective in percent, e.g. 99.9.' }),
          window: f.field({ type: 'Duration', description: 'The window (default 30d, from 1h to 90d).' }),
        }),
      }),
      description: 'Availability below an objective.',
    }),
    remediationStopped: t.field({
      type: builder.inputType('RemediationStoppedCondition', {
        description: 'A self-healing policy stopped healing a node (it flapped, or used up its restarts); resolves when someone releases the node.',
        fields: (f) => ({ policy: f.string({ description: 'Only this policy (by name); default every policy.' }) }),
      }),
      description: 'Self-healing gave up on a node.',
    }),
    scheduleMissed: t.field({
      type: builder.inputType('ScheduleMissedCondition', {
        description: 'A schedule run was MISSED (the OC was down past its starting deadline). Target must be all.',
        fields: (f) => ({ window: f.field({ type: 'Duration', description: 'How long the alert stands (default 1h).' }) }),
      }),
      description: 'A missed schedule run.',
    }),
  }),
});

const RuleInputRef = builder.inputType('AlertRuleInput', {
  description: 'An alert rule.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name.' }),
    description: t.string({ description: 'Template of each alert’s description, e.g. "{{node}} in {{cluster}} is down".' }),
    severity: t.field({ type: SeverityEnum, description: 'Default WARNING.' }),
    labels: t.field({ type: 'JSONObject', description: 'Labels added to its alerts, e.g. {"team": "payments"}.' }),
    target: t.field({ type: TargetInput, required: true, description: 'What it watches.' }),
    condition: t.field({ type: ConditionInputRef, required: true, description: 'When it raises an alert.' }),
    for: t.field({ type: 'Duration', description: 'How long the condition must hold before firing (default 0: at once).' }),
    groupInterval: t.field({ type: 'Duration', description: 'At most one notification per cluster per this interval (default 5m).' }),
    channels: t.stringList({ description: 'Channels to notify, by name or id.' }),
    enabled: t.boolean({ description: 'Default true.' }),
  }),
});

const MatcherInput = builder.inputType('SilenceMatcherInput', {
  description: 'A label to match.',
  fields: (t) => ({
    label: t.string({ required: true, description: 'Label name.' }),
    value: t.string({ required: true, description: 'Value, or a regular expression when regex is true.' }),
    regex: t.boolean({ defaultValue: false, description: 'Match value as a regular expression against the whole label.' }),
  }),
});

const SilenceInputRef = builder.inputType('SilenceInput', {
  description: 'A silence: matchers and a time window.',
  fields: (t) => ({
    matchers: t.field({ type: [MatcherInput], required: true, description: 'All must match.' }),
    startsAt: t.field({ type: 'DateTime', description: 'Default now.' }),
    endsAt: t.field({ type: 'DateTime', description: 'When it ends (or give duration).' }),
    duration: t.field({ type: 'Duration', description: 'How long, e.g. "2h".' }),
    comment: t.string({ required: true, description: 'Why.' }),
  }),
});

type RuleArgs = Omit<RuleInput, 'target' | 'condition'> & { target: RuleInput['target']; condition: Record<string, unknown> };
const ruleInput = (input: RuleArgs): RuleInput => input as RuleInput;

builder.queryFields((t) => ({
  alerts: t.field({
    type: AlertConnection,
    description: 'Alerts, newest first: by default the open ones (PENDING and FIRING).',
    args: {
      ...pageArgs,
      states: t.arg({ type: [AlertStateEnum], description: 'Only these states (default PENDING and FIRING).' }),
      rule: t.arg.string({ description: 'Only this rule’s (name or id).' }),
      suppressed: t.arg.boolean({ description: 'true: only inhibited or silenced ones; false: only those that notify.' }),
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) =>
      context.services.alerts.list({ states: args.states ?? ['PENDING', 'FIRING'], rule: args.rule, suppressed: args.suppressed }, args),
  }),
  alert: t.field({
    type: AlertRef,
    nullable: true,
    description: 'One alert, or null.',
    args: { id: t.arg.id({ required: true, description: 'The alert id.' }) },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => (await context.services.alerts.find(String(args.id))) ?? null,
  }),
  alertCounts: t.field({
    type: AlertCountsRef,
    description: 'How many alerts are open, by whether they notify.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.services.alerts.counts(),
  }),
  alertRules: t.field({
    type: [RuleRef],
    description: 'Every alert rule, by name.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.services.alerts.rules(),
  }),
  alertRule: t.field({
    type: RuleRef,
    nullable: true,
    description: 'One rule by name or id, or null.',
    args: { rule: t.arg.string({ required: true, description: 'Name or id.' }) },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => (await context.services.alerts.findRule(args.rule)) ?? null,
  }),
  silences: t.field({
    type: [SilenceRef],
    description: 'Silences in force or to come, and those that ended in the last day.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.services.alerts.silences(),
  }),
}));

builder.mutationFields((t) => ({
  createAlertRule: mutation(t, 'alertRule.create', 'OPERATOR', {
    type: RuleRef,
    description: 'Creates an alert rule; it is evaluated from the next pass.',
    args: { input: t.arg({ type: RuleInputRef, required: true, description: 'The rule.' }) },
    resolve: (meta, args, context) => context.services.alerts.createRule(meta, ruleInput(args.input as RuleArgs)),
  }),
  updateAlertRule: mutation(t, 'alertRule.update', 'OPERATOR', {
    type: RuleRef,
    description: 'Replaces an alert rule. Its open alerts are judged by the new rule at the next pass.',
    args: { id: t.arg.id({ required: true, description: 'The rule id.' }), input: t.arg({ type: RuleInputRef, required: true, description: 'The rule.' }) },
    resolve: (meta, args, context) => context.services.alerts.updateRule(meta, String(args.id), ruleInput(args.input as RuleArgs)),
  }),
  setAlertRuleEnabled: mutation(t, 'alertRule.enable', 'OPERATOR', {
    type: RuleRef,
    description: 'Turns a rule’s evaluation on or off (its open alerts stay as they are while off).',
    args: { id: t.arg.id({ required: true, description: 'The rule id.' }), enabled: t.arg.boolean({ required: true, description: 'true to evaluate it.' }) },
    resolve: (meta, args, context) => context.services.alerts.setRuleEnabled(meta, String(args.id), args.enabled),
  }),
  deleteAlertRule: mutation(t, 'alertRule.delete', 'OPERATOR', {
    type: RemovedRef,
    description: 'Deletes an alert rule with its alerts and their history.',
    args: { id: t.arg.id({ required: true, description: 'The rule id.' }) },
    resolve: (meta, args, context) => context.services.alerts.deleteRule(meta, String(args.id)),
  }),
  acknowledgeAlert: mutation(t, 'alert.acknowledge', 'OPERATOR', {
    type: AlertRef,
    description: 'Says someone is on it, with a comment; recorded in the alert’s history.',
    args: {
      id: t.arg.id({ required: true, description: 'The alert id.' }),
      comment: t.arg.string({ defaultValue: '', description: 'What you are doing about it.' }),
    },
    resolve: (meta, args, context) => context.services.alerts.acknowledge(meta, String(args.id), args.comment ?? ''),
  }),
  createSilence: mutation(t, 'silence.create', 'OPERATOR', {
    type: SilenceRef,
    description: 'Holds back notifications of alerts whose labels match, for a time window; they still show, marked silenced.',
    args: { input: t.arg({ type: SilenceInputRef, required: true, description: 'The silence.' }) },
    resolve: (meta, args, context) =>
      context.services.alerts.silence(meta, {
        ...args.input,
        matchers: args.input.matchers.map((matcher) => ({ ...matcher, regex: matcher.regex ?? false })),
      }),
  }),
  expireSilence: mutation(t, 'silence.expire', 'OPERATOR', {
    type: SilenceRef,
    description: 'Ends a silence now.',
    args: { id: t.arg.id({ required: true, description: 'The silence id.' }) },
    resolve: (meta, args, context) => context.services.alerts.expireSilence(meta, String(args.id)),
  }),
}));
