import type { ContentKind, DriftState } from '$lib/graphql/enums';
import type { DriftCounts } from './drift.graphql';

/** Worst first: the order of the legend and the counts. */
export const DRIFT_STATES: readonly DriftState[] = ['MISSING', 'DIFFERENT', 'INSTALLED_NOT_LOADED', 'UNEXPECTED', 'IN_SYNC'];

export const DRIFT_STATE_LABELS: Record<DriftState, string> = {
  MISSING: 'Missing',
  DIFFERENT: 'Different',
  INSTALLED_NOT_LOADED: 'Not loaded',
  UNEXPECTED: 'Unexpected',
  IN_SYNC: 'In sync',
};

const COUNT_FIELDS: Record<DriftState, keyof DriftCounts> = {
  MISSING: 'missing',
  DIFFERENT: 'different',
  INSTALLED_NOT_LOADED: 'installedNotLoaded',
  UNEXPECTED: 'unexpected',
  IN_SYNC: 'inSync',
};

export function countOf(counts: DriftCounts, state: DriftState): number {
  return counts[COUNT_FIELDS[state]];
}

/** Identifies a file on a node: the same name may be a patch and a configuration file. */
export function itemKey(item: { kind: ContentKind; name: string }): string {
  return `${item.kind}/${item.name}`;
}
