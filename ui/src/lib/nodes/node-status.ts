import type { NodeStatus, StatusCause } from '$lib/graphql/enums';

/** Worst first: the order of legends, filters and status sorting. */
export const NODE_STATUSES: readonly NodeStatus[] = ['DOWN', 'SUSPECT', 'UNKNOWN', 'MAINTENANCE', 'UP', 'LEFT'];

export const STATUS_LABELS: Record<NodeStatus, string> = {
  UP: 'Up',
  SUSPECT: 'Suspect',
  DOWN: 'Down',
  UNKNOWN: 'Unknown',
  MAINTENANCE: 'Maintenance',
  LEFT: 'Left',
};

export const CAUSE_LABELS: Record<StatusCause, string> = {
  JOINED: 'joined the cluster',
  REJOINED: 'rejoined the cluster',
  LEFT: 'left the cluster',
  FIRST_HEARTBEAT: 'started reporting',
  RECOVERED: 'healthy heartbeat received',
  MISSED_HEARTBEATS: 'missed heartbeats',
  REPORTED_FAILURE: 'manager reported a failure',
  MANAGER_UNREACHABLE: 'manager unreachable',
  OPERATION_STARTED: 'taken down by an operation',
  OPERATION_FINISHED: 'operation done with it',
};

type Figure = 'cpuPercent' | 'memoryBytes' | 'load1' | 'diskPercent' | 'uptimeSeconds';

/**
 * Whether a node's figures are its last known values rather than live ones (the OC decides: the
 * node is down, stopped, unreachable, gone or silent), so that they are shown as such, with the
 * time they were taken.
 */
export function showsLastKnown(stats: ({ current: boolean } & Partial<Record<Figure, number | null>>) | null | undefined): boolean {
  if (!stats || stats.current) return false;
  return (['cpuPercent', 'memoryBytes', 'load1', 'diskPercent', 'uptimeSeconds'] as const).some((figure) => stats[figure] != null);
}

export function isNodeStatus(value: string | null): value is NodeStatus {
  return NODE_STATUSES.includes(value as NodeStatus);
}

/** The `StatusCounts` GraphQL type, keyed by field name. */
export interface StatusCounts {
  up: number;
  suspect: number;
  down: number;
  unknown: number;
  maintenance: number;
  left: number;
  total: number;
}

export function countOf(counts: StatusCounts, status: NodeStatus): number {
  return counts[status.toLowerCase() as Lowercase<NodeStatus>];
}
