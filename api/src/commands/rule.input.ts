import fs from 'node:fs';
import { formatDuration } from '@opscenter/agent/shared/duration';
import { InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { CliError, EXIT } from './cli-error.ts';
import type { Target } from './op.api.ts';

/** A rule as the API returns it: target and condition in their stored form, windows in milliseconds. */
export interface Rule {
  id: string;
  name: string;
  description: string;
  severity: string;
  labels: Record<string, string>;
  target: StoredTarget;
  condition: StoredCondition;
  for: string;
  groupInterval: string;
  channelIds: string[];
  enabled: boolean;
  createdBy: string;
}

export const RULE_FIELDS = 'id name description severity labels target condition for groupInterval channelIds enabled createdBy';

type StoredTarget =
  | { kind: 'ALL' }
  | { kind: 'CLUSTERS'; clusterIds: string[] }
  | { kind: 'TAGS'; tags: string[]; match: string }
  | { kind: 'NODES'; nodeIds: string[] };

type StoredCondition = { kind: string; windowMs?: number; metric?: string; above?: number; sensitivity?: number } & Record<string, unknown>;

/** The API's AlertRuleInput. */
export type RuleInput = Record<string, unknown> & { name: string; target: Target; condition: Record<string, unknown> };

/** The condition flags of `rule create` and `rule update`; exactly one kind may be given. */
export interface ConditionFlags {
  nodeStatus?: string[];
  cause?: string[];
  clusterHealth?: string[];
  statistic?: string;
  above?: number;
  anomaly?: string;
  sensitivity?: number;
  operationFailed?: boolean;
  scheduleMissed?: boolean;
  window?: string;
}

export interface SettingFlags {
  for?: string;
  groupInterval?: string;
  severity?: string;
  label?: Record<string, string>;
  description?: string;
  channel?: string[];
  disabled?: boolean;
}

/** Parses `DOWN,SUSPECT` (or a repeated flag) into upper-case enum values. */
export function enumList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim().toUpperCase().replace(/-/g, '_'))
      .filter(Boolean),
  ];
}

/** Parses a repeatable `key=value` flag. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('It must be written key=value.');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export function number(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('It must be a number.');
  return parsed;
}

/** The condition the flags describe, or null when they name none. */
export function conditionFrom(flags: ConditionFlags): Record<string, unknown> | null {
  const kinds = [
    flags.nodeStatus && '--node-status',
    flags.clusterHealth && '--cluster-health',
    flags.statistic && '--statistic',
    flags.anomaly && '--anomaly',
    flags.operationFailed && '--operation-failed',
    flags.scheduleMissed && '--schedule-missed',
  ].filter((kind): kind is string => Boolean(kind));
  if (kinds.length > 1) throw new CliError(`give one condition, not ${kinds.join(' and ')}`, EXIT.USAGE);
  const misplaced = (flag: string, given: unknown, owners: string[]) => {
    if (given !== undefined && !owners.includes(kinds[0])) throw new CliError(`${flag} goes with ${owners.join(' or ')}`, EXIT.USAGE);
  };
  misplaced('--cause', flags.cause, ['--node-status']);
  misplaced('--above', flags.above, ['--statistic']);
  misplaced('--sensitivity', flags.sensitivity, ['--anomaly']);
  misplaced('--window', flags.window, ['--statistic', '--anomaly', '--operation-failed', '--schedule-missed']);
  const window = flags.window ? { window: flags.window } : {};
  if (flags.nodeStatus) return { nodeStatus: { statuses: flags.nodeStatus, ...(flags.cause ? { causes: flags.cause } : {}) } };
  if (flags.clusterHealth) return { clusterHealth: { healths: flags.clusterHealth } };
  if (flags.statistic) {
    if (flags.above === undefined) throw new CliError('--statistic needs --above <threshold>', EXIT.USAGE);
    return { statistic: { metric: flags.statistic.toUpperCase(), above: flags.above, ...window } };
  }
  if (flags.anomaly)
    return { anomaly: { metric: flags.anomaly.toUpperCase(), ...(flags.sensitivity !== undefined ? { sensitivity: flags.sensitivity } : {}), ...window } };
  if (flags.operationFailed) return { operationFailed: window };
  if (flags.scheduleMissed) return { scheduleMissed: window };
  return null;
}

/** The settings the flags give, leaving out those not given so an update keeps them. */
export function settingsFrom(flags: SettingFlags): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    for: flags.for,
    groupInterval: flags.groupInterval,
    severity: flags.severity?.toUpperCase(),
    labels: flags.label,
    description: flags.description,
    channels: flags.channel,
    ...(flags.disabled ? { enabled: false } : {}),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** A rule file (YAML or JSON; JSON is YAML): an AlertRuleInput as the API takes it. */
export function ruleFile(file: string): RuleInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.USAGE);
  }
  let input: unknown;
  try {
    input = parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, EXIT.USAGE);
  }
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new CliError(`${file} must hold one rule (an object with name, target and condition)`, EXIT.USAGE);
  return input as RuleInput;
}

/** The input that saves an existing rule unchanged: update starts from it and applies the flags. */
export function inputOf(rule: Rule): RuleInput {
  const window = (ms: number | undefined) => (ms === undefined ? {} : { window: formatDuration(ms) });
  const { kind, windowMs, ...settings } = rule.condition;
  const condition: Record<string, Record<string, unknown>> = {
    NODE_STATUS: { nodeStatus: { statuses: settings.statuses, ...(settings.causes ? { causes: settings.causes } : {}) } },
    CLUSTER_HEALTH: { clusterHealth: { healths: settings.healths } },
    STATISTIC: { statistic: { metric: settings.metric, above: settings.above, ...window(windowMs) } },
    ANOMALY: { anomaly: { metric: settings.metric, sensitivity: settings.sensitivity, ...window(windowMs) } },
    OPERATION_FAILED: { operationFailed: window(windowMs) },
    SCHEDULE_MISSED: { scheduleMissed: window(windowMs) },
  };
  const target = rule.target;
  return {
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    labels: rule.labels,
    target:
      target.kind === 'ALL'
        ? { all: true }
        : target.kind === 'CLUSTERS'
          ? { clusters: target.clusterIds }
          : target.kind === 'TAGS'
            ? { tags: { tags: target.tags, match: target.match as 'ALL' | 'ANY' } }
            : { nodes: target.nodeIds },
    condition: condition[kind],
    for: rule.for,
    groupInterval: rule.groupInterval,
    channels: rule.channelIds,
    enabled: rule.enabled,
  };
}

/** A rule's condition in a few words, e.g. "CPU above 90 over 5m". */
export function conditionText(condition: StoredCondition): string {
  const window = condition.windowMs === undefined ? '' : formatDuration(condition.windowMs);
  switch (condition.kind) {
    case 'NODE_STATUS': {
      const causes = condition.causes as string[] | null;
      return `node ${(condition.statuses as string[]).join('|')}${causes ? ` (${causes.join('|').toLowerCase()})` : ''}`;
    }
    case 'CLUSTER_HEALTH':
      return `cluster ${(condition.healths as string[]).join('|')}`;
    case 'STATISTIC':
      return `${condition.metric} above ${condition.above} over ${window}`;
    case 'ANOMALY':
      return `${condition.metric} anomaly ≥ ${condition.sensitivity} over ${window}`;
    case 'OPERATION_FAILED':
      return `operation failed (stands ${window})`;
    case 'SCHEDULE_MISSED':
      return `schedule missed (stands ${window})`;
    default:
      return condition.kind;
  }
}

export function targetText(target: StoredTarget): string {
  switch (target.kind) {
    case 'ALL':
      return 'all';
    case 'CLUSTERS':
      return `${target.clusterIds.length} cluster${target.clusterIds.length === 1 ? '' : 's'}`;
    case 'TAGS':
      return `tags ${target.tags.join(',')} (${target.match.toLowerCase()})`;
    case 'NODES':
      return `${target.nodeIds.length} node${target.nodeIds.length === 1 ? '' : 's'}`;
  }
}
