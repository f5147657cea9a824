import { formatDuration } from '@opscenter/agent/shared/duration';
import Mustache from 'mustache';
import safeRegex from 'safe-regex2';
import { ValidationError } from '../../shared/domain-error.ts';
import { validateLabels, validateText } from '../../shared/validation.ts';
import type { ClusterHealth } from '../clusters/clusters.health.ts';
import type { NodeStatus, StatusCause } from '../liveness/liveness.types.ts';
import type { Target } from '../targets/targets.types.ts';
import type { AlertRow, AlertSeverity, SilenceMatcher } from './alerts.table.ts';
import type { AlertCondition, StatMetric } from './alerts.types.ts';

/** A condition as a client sends it: exactly one of these. Windows are in milliseconds. */
export interface ConditionInput {
  nodeStatus?: { statuses: readonly NodeStatus[]; causes?: readonly StatusCause[] | null } | null;
  clusterHealth?: { healths: readonly ClusterHealth[] } | null;
  statistic?: { metric: StatMetric; above: number; window?: number | null } | null;
  anomaly?: { metric: StatMetric; sensitivity?: number | null; window?: number | null } | null;
  operationFailed?: { window?: number | null } | null;
  scheduleMissed?: { window?: number | null } | null;
  remediationStopped?: { policy?: string | null } | null;
  drift?: { minFiles?: number | null } | null;
  availability?: { objective: number; window?: number | null } | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ALERTABLE_STATUSES: NodeStatus[] = ['DOWN', 'SUSPECT', 'UNKNOWN'];
const ALERTABLE_HEALTH: ClusterHealth[] = ['UNREACHABLE', 'CRITICAL', 'DEGRADED'];
export const DEFAULT_SENSITIVITY = 3.5;

function invalid(message: string, field: string): never {
  throw new ValidationError('INVALID_ARGUMENT', message, field);
}

export function checkDuration(value: number, field: string, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max)
    invalid(`${field} must be from ${formatDuration(min)} to ${formatDuration(max)} (got ${formatDuration(Math.max(0, value))}).`, field);
  return value;
}

function subset<T extends string>(values: readonly T[], allowed: readonly T[], field: string, why: string): T[] {
  if (values.length === 0) invalid(`${field} must list at least one of ${allowed.join(', ')}.`, field);
  const refused = values.find((value) => !allowed.includes(value));
  if (refused) invalid(`${field} may list only ${allowed.join(', ')}; ${refused} ${why}.`, field);
  return [...new Set(values)];
}

function checkThreshold(metric: StatMetric, above: number): number {
  if (!Number.isFinite(above)) invalid('above must be a number.', 'above');
  if ((metric === 'CPU' || metric === 'DISK') && (above <= 0 || above >= 100)) invalid(`above must be a percentage between 0 and 100 for ${metric}.`, 'above');
  if ((metric === 'LOAD' || metric === 'MEMORY') && above <= 0) invalid(`above must be greater than 0 for ${metric}.`, 'above');
  return above;
}

/** Checks a condition; refuses a bad threshold, window or status with a typed error naming the field. */
export function conditionOf(input: ConditionInput, target: Target): AlertCondition {
  const given = (Object.keys(input) as (keyof ConditionInput)[]).filter((key) => input[key] !== null && input[key] !== undefined);
  if (given.length !== 1) invalid(`Give exactly one condition (got ${given.length === 0 ? 'none' : given.join(' and ')}).`, 'condition');
  if (input.nodeStatus)
    return {
      kind: 'NODE_STATUS',
      statuses: subset(input.nodeStatus.statuses, ALERTABLE_STATUSES, 'statuses', 'is never an alert (planned work and departures raise none)'),
      causes: input.nodeStatus.causes?.length ? [...new Set(input.nodeStatus.causes)] : null,
    };
  if (input.clusterHealth) return { kind: 'CLUSTER_HEALTH', healths: subset(input.clusterHealth.healths, ALERTABLE_HEALTH, 'healths', 'is not a problem') };
  if (input.statistic)
    return {
      kind: 'STATISTIC',
      metric: input.statistic.metric,
      above: checkThreshold(input.statistic.metric, input.statistic.above),
      windowMs: checkDuration(input.statistic.window ?? 5 * MINUTE, 'window', MINUTE, DAY),
    };
  if (input.anomaly) {
    const sensitivity = input.anomaly.sensitivity ?? DEFAULT_SENSITIVITY;
    if (!Number.isFinite(sensitivity) || sensitivity < 1 || sensitivity > 20) invalid('sensitivity must be from 1 to 20 (a robust z-score).', 'sensitivity');
    return {
      kind: 'ANOMALY',
      metric: input.anomaly.metric,
      sensitivity,
      windowMs: checkDuration(input.anomaly.window ?? HOUR, 'window', 15 * MINUTE, 7 * DAY),
    };
  }
  if (input.operationFailed) return { kind: 'OPERATION_FAILED', windowMs: checkDuration(input.operationFailed.window ?? HOUR, 'window', MINUTE, 7 * DAY) };
  if (input.drift) {
    const minFiles = input.drift.minFiles ?? 1;
    if (!Number.isInteger(minFiles) || minFiles < 1 || minFiles > 10_000) invalid('minFiles must be a whole number from 1 to 10000.', 'minFiles');
    return { kind: 'DRIFT', minFiles };
  }
  if (input.availability) {
    const objective = input.availability.objective;
    if (!Number.isFinite(objective) || objective <= 0 || objective >= 100) invalid('objective must be a percentage between 0 and 100, e.g. 99.9.', 'objective');
    return { kind: 'AVAILABILITY', objective, windowMs: checkDuration(input.availability.window ?? 30 * DAY, 'window', HOUR, 90 * DAY) };
  }
  if (input.remediationStopped)
    return { kind: 'REMEDIATION_STOPPED', policy: input.remediationStopped.policy ? validateText(input.remediationStopped.policy, 'policy', 63) : null };
  if (target.kind !== 'ALL') invalid('A scheduleMissed rule watches every schedule; give target { all: true }.', 'target');
  return { kind: 'SCHEDULE_MISSED', windowMs: checkDuration(input.scheduleMissed?.window ?? HOUR, 'window', MINUTE, 7 * DAY) };
}

export interface RuleSettings {
  description: string;
  severity: AlertSeverity;
  labels: Record<string, string>;
  forMs: number;
  groupIntervalMs: number;
}

const LABEL_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function ruleSettings(input: {
  description?: string | null;
  severity?: AlertSeverity | null;
  labels?: unknown;
  for?: number | null;
  groupInterval?: number | null;
}): RuleSettings {
  const description = validateText(input.description ?? '', 'description', 1000);
  try {
    Mustache.parse(description);
  } catch (error) {
    invalid(`The description is not a valid template: ${(error as Error).message}`, 'description');
  }
  const labels = validateLabels(input.labels);
  const badKey = Object.keys(labels).find((key) => !LABEL_KEY.test(key));
  if (badKey) invalid(`Label names use letters, digits and "_" and start with a letter or "_" (got "${badKey.slice(0, 40)}").`, 'labels');
  return {
    description,
    severity: input.severity ?? 'WARNING',
    labels,
    forMs: checkDuration(input.for ?? 0, 'for', 0, 7 * DAY),
    groupIntervalMs: checkDuration(input.groupInterval ?? 5 * MINUTE, 'groupInterval', 10_000, DAY),
  };
}

/** The alert's description: the rule's template over what the alert is about. A template that fails shows as written. */
export function describe(template: string, alert: Pick<AlertRow, 'subjectName' | 'clusterName' | 'value' | 'labels' | 'summary'>): string {
  if (!template) return alert.summary;
  try {
    return Mustache.render(template, {
      node: alert.subjectName,
      subject: alert.subjectName,
      cluster: alert.clusterName,
      value: alert.value,
      summary: alert.summary,
      labels: alert.labels,
    });
  } catch {
    return template;
  }
}

const MAX_MATCHERS = 20;

export function checkMatchers(matchers: readonly SilenceMatcher[]): SilenceMatcher[] {
  if (matchers.length === 0 || matchers.length > MAX_MATCHERS) invalid(`A silence needs from 1 to ${MAX_MATCHERS} matchers.`, 'matchers');
  return matchers.map((matcher) => {
    if (!LABEL_KEY.test(matcher.label)) invalid(`"${matcher.label.slice(0, 40)}" is not a label name.`, 'matchers');
    const value = validateText(matcher.value, 'matcher value', 200);
    if (matcher.regex) {
      try {
        new RegExp(`^(?:${value})$`);
      } catch {
        invalid(`"${value.slice(0, 40)}" is not a valid regular expression.`, 'matchers');
      }
      // Every evaluation pass matches it against every alert: one that can backtrack for ever would stall the OC.
      if (!safeRegex(`^(?:${value})$`))
        invalid(`"${value.slice(0, 40)}" nests repetition (as in (a+)+), which can take exponential time to match; write it without.`, 'matchers');
    }
    return { label: matcher.label, value, regex: matcher.regex };
  });
}

const compiled = new Map<string, RegExp>();

/** A matcher's expression, anchored to the whole value, compiled once however many alerts it is tried on. */
function wholeValue(pattern: string): RegExp {
  let expression = compiled.get(pattern);
  if (!expression) {
    if (compiled.size >= 1000) compiled.clear();
    expression = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, expression);
  }
  return expression;
}

/** Whether every matcher matches the alert's labels (a regular expression must match the whole value). */
export function matches(matchers: readonly SilenceMatcher[], labels: Record<string, string>): boolean {
  return matchers.every((matcher) => {
    const value = labels[matcher.label] ?? '';
    return matcher.regex ? wholeValue(matcher.value).test(value) : value === matcher.value;
  });
}
