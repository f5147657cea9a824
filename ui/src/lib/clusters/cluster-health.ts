import type { ClusterHealth } from '$lib/graphql/enums';

/** Worst first, as the OC orders clusters. */
export const CLUSTER_HEALTHS: readonly ClusterHealth[] = ['UNREACHABLE', 'CRITICAL', 'DEGRADED', 'PENDING', 'HEALTHY'];

export const HEALTH_LABELS: Record<ClusterHealth, string> = {
  UNREACHABLE: 'Unreachable',
  CRITICAL: 'Critical',
  DEGRADED: 'Degraded',
  PENDING: 'Pending',
  HEALTHY: 'Healthy',
};

export const HEALTH_DESCRIPTIONS: Record<ClusterHealth, string> = {
  UNREACHABLE: 'The manager is not reporting; the state of the workers is unknown.',
  CRITICAL: 'At least half of the workers are down.',
  DEGRADED: 'Some workers are down, suspect or unknown.',
  PENDING: 'No manager has registered yet.',
  HEALTHY: 'Everything reports up or is in planned maintenance.',
};

export function isClusterHealth(value: string | null): value is ClusterHealth {
  return CLUSTER_HEALTHS.includes(value as ClusterHealth);
}
