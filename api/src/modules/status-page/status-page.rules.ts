import type { NodeStatus } from '../liveness/liveness.types.ts';

export const COMPONENT_STATES = ['OPERATIONAL', 'DEGRADED', 'PARTIAL_OUTAGE', 'MAJOR_OUTAGE', 'UNKNOWN'] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

export interface ComponentCondition {
  state: ComponentState;
  /** Operational, with some of its nodes in planned maintenance. */
  underMaintenance: boolean;
}

/**
 * A component's state from how many of its nodes are in each status, as the public should read it:
 * MAINTENANCE is planned and counts as operational; UNKNOWN (a manager out of reach) is not an
 * outage but is not all well either; at least half of the known nodes DOWN is a major outage, as
 * it makes a cluster CRITICAL. Nothing known at all (no nodes, or all UNKNOWN) is UNKNOWN.
 */
export function componentCondition(counts: ReadonlyMap<NodeStatus, number>): ComponentCondition {
  const of = (status: NodeStatus) => counts.get(status) ?? 0;
  const known = of('UP') + of('SUSPECT') + of('DOWN') + of('MAINTENANCE');
  const down = of('DOWN');
  const condition = (state: ComponentState): ComponentCondition => ({ state, underMaintenance: state === 'OPERATIONAL' && of('MAINTENANCE') > 0 });
  if (known === 0) return condition('UNKNOWN');
  if (down > 0 && down * 2 >= known) return condition('MAJOR_OUTAGE');
  if (down > 0) return condition('PARTIAL_OUTAGE');
  if (of('SUSPECT') + of('UNKNOWN') > 0) return condition('DEGRADED');
  return condition('OPERATIONAL');
}

export const DAY_MS = 86_400_000;
/** How many daily bars the page shows, today included. */
export const DAYS_SHOWN = 90;

/** The start of the UTC day `at` falls in: bars are calendar days, the same for every reader. */
export function startOfDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}
