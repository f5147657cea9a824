import type { ClusterHealth, NodeStatus, StatusCause } from '$lib/graphql/enums';
import type { FormResult, TargetForm } from '$lib/operations/strategy-form';
import { durationFromForm, targetFormOf, targetFromForm } from '$lib/operations/strategy-form';
import type { AlertSeverity } from './alert-labels';
import type { AlertRuleInput, AlertRuleView } from './alerts.graphql';

export type ConditionKind =
  | 'NODE_STATUS'
  | 'CLUSTER_HEALTH'
  | 'STATISTIC'
  | 'ANOMALY'
  | 'AVAILABILITY'
  | 'DRIFT'
  | 'OPERATION_FAILED'
  | 'SCHEDULE_MISSED'
  | 'REMEDIATION_STOPPED';
export type StatMetric = 'CPU' | 'MEMORY' | 'DISK' | 'LOAD';

export const CONDITION_LABELS: Record<ConditionKind, string> = {
  NODE_STATUS: 'A node has a status',
  CLUSTER_HEALTH: 'A cluster has a health',
  STATISTIC: 'A statistic is above a threshold',
  ANOMALY: 'A statistic is anomalous',
  AVAILABILITY: 'Availability is below an objective',
  DRIFT: 'Nodes drifted from their baselines',
  OPERATION_FAILED: 'An operation failed',
  SCHEDULE_MISSED: 'A schedule run was missed',
  REMEDIATION_STOPPED: 'Self-healing gave up on a node',
};

/** The statuses and healths the OC alerts on: planned work, departures and health are never problems. */
export const ALERTABLE_STATUSES: NodeStatus[] = ['DOWN', 'SUSPECT', 'UNKNOWN'];
export const ALERTABLE_HEALTHS: ClusterHealth[] = ['UNREACHABLE', 'CRITICAL', 'DEGRADED'];
export const FAILURE_CAUSES: StatusCause[] = ['REPORTED_FAILURE', 'MISSED_HEARTBEATS', 'MANAGER_UNREACHABLE'];

export const METRIC_LABELS: Record<StatMetric, string> = { CPU: 'CPU %', MEMORY: 'Memory (bytes)', DISK: 'Disk used %', LOAD: 'Load (1 minute)' };

/** The rule form as typed: text fields keep half-typed values as they are. */
export interface RuleForm {
  name: string;
  description: string;
  severity: AlertSeverity;
  /** One `key=value` a line. */
  labels: string;
  target: TargetForm;
  kind: ConditionKind;
  statuses: NodeStatus[];
  causes: StatusCause[];
  healths: ClusterHealth[];
  metric: StatMetric;
  above: string;
  sensitivity: string;
  /** AVAILABILITY: the objective in percent. */
  objective: string;
  /** DRIFT: how many files out of sync. */
  minFiles: string;
  /** REMEDIATION_STOPPED: one policy by name; empty for every policy. */
  policy: string;
  window: string;
  for: string;
  groupInterval: string;
  channels: string[];
}

export function emptyRuleForm(): RuleForm {
  return {
    name: '',
    description: '',
    severity: 'WARNING',
    labels: '',
    target: { mode: 'all', clusters: [], tags: '', match: 'ALL' },
    kind: 'NODE_STATUS',
    statuses: ['DOWN'],
    causes: [],
    healths: ['UNREACHABLE', 'CRITICAL'],
    metric: 'CPU',
    above: '90',
    sensitivity: '3.5',
    objective: '99.9',
    minFiles: '1',
    policy: '',
    window: '',
    for: '0s',
    groupInterval: '5m',
    channels: [],
  };
}

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** Milliseconds as the OC writes durations: 5400000 is "1h30m". */
export function durationOfMs(ms: number): string {
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text || '0s';
}

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const asText = (value: unknown, otherwise: string): string => (typeof value === 'number' || typeof value === 'string' ? String(value) : otherwise);

/** A stored rule in the form's terms; stored targets name clusters by id, the form by name. */
export function ruleFormOf(rule: AlertRuleView, clusterNames: ReadonlyMap<string, string>): RuleForm {
  const form = emptyRuleForm();
  const { condition } = rule;
  return {
    ...form,
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    labels: Object.entries(rule.labels)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join('\n'),
    target: targetFormOf(rule.target, clusterNames),
    kind: condition.kind as ConditionKind,
    statuses: condition.kind === 'NODE_STATUS' ? list(condition.statuses) : form.statuses,
    causes: condition.kind === 'NODE_STATUS' ? list(condition.causes) : form.causes,
    healths: condition.kind === 'CLUSTER_HEALTH' ? list(condition.healths) : form.healths,
    metric: typeof condition.metric === 'string' ? (condition.metric as StatMetric) : form.metric,
    above: asText(condition.above, form.above),
    sensitivity: asText(condition.sensitivity, form.sensitivity),
    objective: asText(condition.objective, form.objective),
    minFiles: asText(condition.minFiles, form.minFiles),
    policy: asText(condition.policy, form.policy),
    window: typeof condition.windowMs === 'number' ? durationOfMs(condition.windowMs) : '',
    for: rule.for,
    groupInterval: rule.groupInterval,
    channels: [...rule.channelIds],
  };
}

/** Checks what can be checked without the OC; thresholds and windows out of range are the OC's to refuse. */
export function ruleInputFromForm(form: RuleForm): FormResult<AlertRuleInput> {
  const errors: Record<string, string> = {};
  const duration = (field: 'window' | 'for' | 'groupInterval') => durationFromForm(form[field], field, errors);
  const number = (field: 'above' | 'sensitivity' | 'objective'): number => {
    const value = Number(form[field].trim());
    if (form[field].trim() === '' || !Number.isFinite(value)) errors[field] = 'Enter a number.';
    return value;
  };

  if (!form.name.trim()) errors.name = 'Give the rule a name.';
  const labels: Record<string, string> = {};
  for (const line of form.labels.split('\n').map((text) => text.trim())) {
    if (!line) continue;
    const at = line.indexOf('=');
    if (at < 1) errors.labels = `Write each label as name=value (not “${line}”).`;
    else labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const target = targetFromForm(form.target);
  if (target.errors) Object.assign(errors, target.errors);

  const window = duration('window');
  let condition: AlertRuleInput['condition'] = {};
  switch (form.kind) {
    case 'NODE_STATUS':
      if (!form.statuses.length) errors.condition = 'Choose at least one status.';
      condition = { nodeStatus: { statuses: form.statuses, causes: form.causes.length ? form.causes : null } };
      break;
    case 'CLUSTER_HEALTH':
      if (!form.healths.length) errors.condition = 'Choose at least one health.';
      condition = { clusterHealth: { healths: form.healths } };
      break;
    case 'STATISTIC':
      condition = { statistic: { metric: form.metric, above: number('above'), window } };
      break;
    case 'ANOMALY':
      condition = { anomaly: { metric: form.metric, sensitivity: number('sensitivity'), window } };
      break;
    case 'AVAILABILITY':
      condition = { availability: { objective: number('objective'), window } };
      break;
    case 'DRIFT': {
      const minFiles = Number(form.minFiles.trim());
      if (!/^\d+$/.test(form.minFiles.trim()) || minFiles < 1) errors.minFiles = 'Enter a whole number of files, 1 or more.';
      condition = { drift: { minFiles } };
      break;
    }
    case 'REMEDIATION_STOPPED':
      condition = { remediationStopped: { policy: form.policy.trim() || null } };
      break;
    case 'OPERATION_FAILED':
      condition = { operationFailed: { window } };
      break;
    case 'SCHEDULE_MISSED':
      condition = { scheduleMissed: { window } };
      break;
  }

  const input: AlertRuleInput = {
    name: form.name.trim(),
    description: form.description.trim(),
    severity: form.severity,
    labels,
    target: target.value ?? { all: true },
    condition,
    for: duration('for'),
    groupInterval: duration('groupInterval'),
    channels: form.channels,
  };
  return Object.keys(errors).length ? { value: null, errors } : { value: input, errors: null };
}
