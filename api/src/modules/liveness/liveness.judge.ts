import type { NodeStatus, ReportedState, StatusCause } from './liveness.table.ts';

export interface LivenessPolicy {
  intervalMs: number;
  /** Missed intervals before a silent worker is SUSPECT, and before it is DOWN. */
  suspectAfter: number;
  downAfter: number;
}

/** What the judge knows of one node; times are on the OC's monotonic clock. */
export interface NodeLiveness {
  status: NodeStatus;
  /** Why it has its status. */
  cause: StatusCause;
  /** When the manager last included this node in a batch. */
  lastReportMono: number;
  /** When the current run of failing reports began; null while the node reports healthy. */
  failingSinceMono: number | null;
}

export interface Verdict {
  status: NodeStatus;
  cause: StatusCause;
}

/**
 * Whether a report counts as a failure. A node not yet known to be up (new, or back from an
 * unreachable manager) that reports STARTING is still within its start timeout, which the agent
 * judges: counting it would turn every start into unplanned downtime.
 */
export function reportsFailure(status: NodeStatus, state: ReportedState): boolean {
  return state !== 'HEALTHY' && !(state === 'STARTING' && status === 'UNKNOWN');
}

/** A node UNKNOWN for one of these causes has not reported healthy since it (re)joined. */
function awaitsFirstHeartbeat(node: NodeLiveness): boolean {
  return node.status === 'UNKNOWN' && (node.cause === 'JOINED' || node.cause === 'REJOINED');
}

/**
 * The immediate effect of a report: a healthy report brings a node UP (FIRST_HEARTBEAT for a
 * node that has not been up since it joined, RECOVERED otherwise); a failing one makes an UP or
 * UNKNOWN node SUSPECT at once. Escalation to DOWN waits for the sweep, so one bad report never
 * takes a node DOWN.
 */
export function judgeReport(node: NodeLiveness, state: ReportedState): Verdict | null {
  if (node.status === 'LEFT' || node.status === 'MAINTENANCE') return null;
  if (state === 'HEALTHY') {
    if (node.status === 'UP') return null;
    return { status: 'UP', cause: awaitsFirstHeartbeat(node) ? 'FIRST_HEARTBEAT' : 'RECOVERED' };
  }
  if (reportsFailure(node.status, state) && (node.status === 'UP' || node.status === 'UNKNOWN')) return { status: 'SUSPECT', cause: 'REPORTED_FAILURE' };
  return null;
}

/**
 * The verdict on a node when a fresh batch from its manager has arrived at `batchAt`. Only
 * batches count: while the manager is silent, nothing about its nodes changes here (the
 * manager's lease decides then).
 * - reported failing across `suspectAfter` intervals of batches: DOWN (corroborated repeatedly);
 * - left out of batches for `downAfter` intervals: DOWN; for `suspectAfter` intervals: SUSPECT.
 */
export function judgeSilence(node: NodeLiveness, batchAt: number, policy: LivenessPolicy): Verdict | null {
  if (node.status === 'LEFT' || node.status === 'MAINTENANCE' || node.status === 'DOWN') return null;
  const suspectWindow = policy.suspectAfter * policy.intervalMs;
  const downWindow = policy.downAfter * policy.intervalMs;
  if (node.failingSinceMono !== null && batchAt - node.failingSinceMono >= suspectWindow) {
    return { status: 'DOWN', cause: 'REPORTED_FAILURE' };
  }
  const silence = batchAt - node.lastReportMono;
  if (silence >= downWindow) return { status: 'DOWN', cause: 'MISSED_HEARTBEATS' };
  if (silence >= suspectWindow && node.status !== 'SUSPECT') return { status: 'SUSPECT', cause: 'MISSED_HEARTBEATS' };
  return null;
}
