import type { OperationInput } from './operations.graphql';

export type StrategyInput = NonNullable<OperationInput['strategy']>;
export type TargetInput = OperationInput['target'];

/** The strategy form as typed: text fields, so that half-typed values stay as they are. */
export interface StrategyForm {
  maxParallel: string;
  /** A number of nodes ("2") or a percentage of each cluster ("25%"). */
  maxUnavailable: string;
  minHealthyTime: string;
  healthyDeadline: string;
  progressDeadline: string;
  maxFailures: string;
  canary: string;
  autoPromote: boolean;
  /** Empty for no pause. */
  pauseBetweenBatches: string;
  includeManagers: boolean;
  /** DEPLOY only: a failed deploy also reverts the nodes it changed. */
  rollbackOnFailure: boolean;
}

/** The OC's own defaults, so that the form shows what would happen if left alone. */
export function defaultStrategyForm(): StrategyForm {
  return {
    maxParallel: '1',
    maxUnavailable: '1',
    minHealthyTime: '10s',
    healthyDeadline: '5m',
    progressDeadline: '10m',
    maxFailures: '0',
    canary: '0',
    autoPromote: false,
    pauseBetweenBatches: '',
    includeManagers: false,
    rollbackOnFailure: false,
  };
}

/** Target choices of the forms: clusters by name, nodes carrying tags, or (where offered) nodes by id. */
export interface TargetForm {
  mode: 'clusters' | 'tags' | 'all' | 'nodes';
  clusters: string[];
  /** Node ids; only forms that offer choosing single nodes set it. */
  nodes?: string[];
  /** Comma-separated. */
  tags: string;
  match: 'ALL' | 'ANY';
}

const DURATION = /^(\d+(ms|s|m|h|d))+$/;
const COUNT = /^\d+$/;
const PERCENT = /^(\d+)\s*%$/;

export type FormResult<T> = { value: T; errors: null } | { value: null; errors: Record<string, string> };

/** Checks what can be checked without the OC; budgets and canary counts are the plan's job. */
export function strategyFromForm(form: StrategyForm): FormResult<StrategyInput> {
  const errors: Record<string, string> = {};
  const count = (field: keyof StrategyForm, min: number): number => {
    const text = String(form[field]).trim();
    if (!COUNT.test(text) || Number(text) < min) errors[field] = `Enter a whole number of ${min} or more.`;
    return Number(text);
  };
  const duration = (field: keyof StrategyForm, optional = false): string | undefined => {
    const text = String(form[field]).trim();
    if (optional && text === '') return undefined;
    if (!DURATION.test(text)) errors[field] = 'Enter a duration such as 30s, 5m or 1h30m.';
    return text;
  };

  const strategy: StrategyInput = {
    maxParallel: count('maxParallel', 1),
    minHealthyTime: duration('minHealthyTime'),
    healthyDeadline: duration('healthyDeadline'),
    progressDeadline: duration('progressDeadline'),
    maxFailures: count('maxFailures', 0),
    canary: count('canary', 0),
    autoPromote: form.autoPromote,
    includeManagers: form.includeManagers,
  };
  const pause = duration('pauseBetweenBatches', true);
  if (pause) strategy.pauseBetweenBatches = pause;
  // The OC refuses it for restarts, which have nothing to undo: sent only when asked for.
  if (form.rollbackOnFailure) strategy.rollbackOnFailure = true;

  const unavailable = form.maxUnavailable.trim();
  const percent = PERCENT.exec(unavailable);
  if (percent && Number(percent[1]) >= 1 && Number(percent[1]) <= 100) strategy.maxUnavailablePercent = Number(percent[1]);
  else if (COUNT.test(unavailable) && Number(unavailable) >= 1) strategy.maxUnavailable = Number(unavailable);
  else errors.maxUnavailable = 'Enter a number of nodes (e.g. 2) or a percentage from 1% to 100%.';

  return Object.keys(errors).length ? { value: null, errors } : { value: strategy, errors: null };
}

export function targetFromForm(form: TargetForm): FormResult<TargetInput> {
  if (form.mode === 'all') return { value: { all: true }, errors: null };
  if (form.mode === 'clusters') {
    return form.clusters.length ? { value: { clusters: form.clusters }, errors: null } : { value: null, errors: { target: 'Choose at least one cluster.' } };
  }
  if (form.mode === 'nodes') {
    const nodes = form.nodes ?? [];
    return nodes.length ? { value: { nodes }, errors: null } : { value: null, errors: { target: 'Choose at least one node.' } };
  }
  const tags = form.tags
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  return tags.length ? { value: { tags: { tags, match: form.match } }, errors: null } : { value: null, errors: { target: 'Enter at least one tag.' } };
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A stored target (`{ kind: 'CLUSTERS', clusterIds }` and so on) as the target picker's form; none gives an empty one. */
export function targetFormOf(target: Record<string, unknown> | null, clusterNames: ReadonlyMap<string, string>): TargetForm {
  const form: TargetForm = { mode: 'clusters', clusters: [], tags: '', match: 'ALL', nodes: [] };
  switch (target?.kind) {
    case 'ALL':
      return { ...form, mode: 'all' };
    case 'TAGS':
      return { ...form, mode: 'tags', tags: list(target.tags).join(', '), match: target.match === 'ANY' ? 'ANY' : 'ALL' };
    case 'NODES':
      return { ...form, mode: 'nodes', nodes: list(target.nodeIds) };
    default:
      return { ...form, clusters: list(target?.clusterIds).map((id) => clusterNames.get(id) ?? id) };
  }
}

/** Checks a duration as the OC writes them ("30s", "5m", "1h30m"); empty is left out, for the OC's default. */
export function durationFromForm(text: string, field: string, errors: Record<string, string>): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (!DURATION.test(trimmed)) errors[field] = 'Enter a duration such as 30s, 5m or 1h30m.';
  return trimmed;
}
