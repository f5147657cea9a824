import type { NodeStatus } from '../liveness/liveness.types.ts';

export const CLUSTER_HEALTH = ['UNREACHABLE', 'CRITICAL', 'DEGRADED', 'PENDING', 'HEALTHY'] as const;
export type ClusterHealth = (typeof CLUSTER_HEALTH)[number];

export type StatusCounts = Record<NodeStatus, number>;

export interface ClusterSummary {
  /** Counts over workers only; the manager is judged on its own. */
  workers: StatusCounts;
  managerStatus: NodeStatus | null;
}

export function emptyCounts(): StatusCounts {
  return { UP: 0, SUSPECT: 0, DOWN: 0, UNKNOWN: 0, MAINTENANCE: 0, LEFT: 0 };
}

/**
 * A cluster's health, worst first:
 * UNREACHABLE  the manager is not reporting, so nothing is known about the workers;
 * CRITICAL     at least half of the workers are DOWN;
 * DEGRADED     some worker is DOWN, SUSPECT or UNKNOWN;
 * PENDING      no manager has registered yet;
 * HEALTHY      everything reports UP (or is in planned maintenance).
 */
export function clusterHealth({ workers, managerStatus }: ClusterSummary): ClusterHealth {
  if (managerStatus === null) return 'PENDING';
  if (managerStatus === 'UNKNOWN' || managerStatus === 'DOWN' || managerStatus === 'LEFT') return 'UNREACHABLE';
  const active = workers.UP + workers.SUSPECT + workers.DOWN + workers.UNKNOWN + workers.MAINTENANCE;
  if (active > 0 && workers.DOWN * 2 >= active) return 'CRITICAL';
  if (workers.DOWN + workers.SUSPECT + workers.UNKNOWN > 0 || managerStatus === 'SUSPECT') return 'DEGRADED';
  return 'HEALTHY';
}

export function healthRank(health: ClusterHealth): number {
  return CLUSTER_HEALTH.indexOf(health);
}
