import type { ClusterHealth } from '../clusters/clusters.health.ts';
import type { NodeStatus, StatusCause } from '../liveness/liveness.types.ts';

export const STAT_METRICS = ['CPU', 'MEMORY', 'DISK', 'LOAD'] as const;
export type StatMetric = (typeof STAT_METRICS)[number];

/** What makes an alert: one condition, checked for each node or cluster of the rule's target (or each operation or schedule). */
export type AlertCondition =
  | { kind: 'NODE_STATUS'; statuses: NodeStatus[]; causes: StatusCause[] | null }
  | { kind: 'CLUSTER_HEALTH'; healths: ClusterHealth[] }
  | { kind: 'STATISTIC'; metric: StatMetric; above: number; windowMs: number }
  | { kind: 'ANOMALY'; metric: StatMetric; sensitivity: number; windowMs: number }
  | { kind: 'OPERATION_FAILED'; windowMs: number }
  | { kind: 'SCHEDULE_MISSED'; windowMs: number }
  | { kind: 'REMEDIATION_STOPPED'; policy: string | null }
  | { kind: 'DRIFT'; minFiles: number }
  | { kind: 'AVAILABILITY'; objective: number; windowMs: number };

export type ConditionKind = AlertCondition['kind'];

/** One subject for which a rule's condition holds now. */
export interface Observation {
  subjectKind: 'NODE' | 'CLUSTER' | 'OPERATION' | 'SCHEDULE';
  subjectId: string;
  subjectName: string;
  clusterId: string | null;
  clusterName: string | null;
  value: number | null;
  summary: string;
  /** Set when the subject's alert must be held back, and why. */
  inhibitedBy: string | null;
  /** A node's status, which decides whether planned maintenance holds its alert back. */
  status?: NodeStatus;
}
