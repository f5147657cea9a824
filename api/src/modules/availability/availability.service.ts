import type { Clock } from '../../clock.ts';
import { ValidationError } from '../../shared/domain-error.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import type { NodeStatus, StatusCause, StatusHistoryRow } from '../liveness/liveness.types.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { TargetsService } from '../targets/targets.service.ts';
import type { TargetInput } from '../targets/targets.types.ts';

/**
 * How a stretch of time counts: UP and SUSPECT are up; LEFT is outside membership and not counted
 * at all, and neither is a node's start-up (see classOf).
 */
type TimeClass = 'UP' | 'UNPLANNED' | 'PLANNED' | 'UNKNOWN' | 'NONE';

const CLASS_OF: Record<NodeStatus, TimeClass> = {
  UP: 'UP',
  SUSPECT: 'UP',
  DOWN: 'UNPLANNED',
  MAINTENANCE: 'PLANNED',
  UNKNOWN: 'UNKNOWN',
  LEFT: 'NONE',
};

/**
 * A node that has just joined (or rejoined) is UNKNOWN until its first heartbeat: that start-up is
 * not time anybody could measure, so it is neither downtime nor unknown time. UNKNOWN because the
 * manager became unreachable is unknown time.
 */
function classOf(status: NodeStatus, cause: StatusCause): TimeClass {
  if (status === 'UNKNOWN' && (cause === 'JOINED' || cause === 'REJOINED')) return 'NONE';
  return CLASS_OF[status];
}

/** The cause a node's status has from joining until its first transition (no history row records it). */
const CAUSE_ON_JOINING: StatusCause = 'JOINED';

export interface Interval {
  nodeId: string;
  nodeName: string;
  clusterName: string;
  kind: 'UNPLANNED' | 'PLANNED' | 'UNKNOWN';
  from: Date;
  to: Date;
  durationMs: number;
  operationId: string | null;
  cause: StatusCause;
}

export interface Totals {
  upMs: number;
  unplannedMs: number;
  plannedMs: number;
  unknownMs: number;
  /** Unplanned outages (DOWN intervals) within the window; a bucket counts those that began in it. */
  incidents: number;
  /** Of those, the ones still going on when the window closes. */
  openIncidents: number;
  /** Outages that ended within the window (a bucket: that ended in it), and their whole lengths. */
  endedIncidents: number;
  endedIncidentsMs: number;
}

export interface NodeAvailability extends Totals {
  nodeId: string;
  nodeName: string;
  clusterName: string;
}

export interface Bucket extends Totals {
  from: Date;
  to: Date;
}

export interface AvailabilityReport extends Totals {
  /** The mean of the nodes' MTBF, over the nodes that failed in the window. */
  meanMtbfMs: number | null;
  from: Date;
  to: Date;
  nodeCount: number;
  intervals: Interval[];
  intervalsTruncated: boolean;
  nodes: NodeAvailability[];
  buckets: Bucket[];
}

const MAX_WINDOW_MS = 366 * 86_400_000;
const MAX_INTERVALS = 1000;

const emptyTotals = (): Totals => ({
  upMs: 0,
  unplannedMs: 0,
  plannedMs: 0,
  unknownMs: 0,
  incidents: 0,
  openIncidents: 0,
  endedIncidents: 0,
  endedIncidentsMs: 0,
});

/**
 * The one rounding of every duration the report gives, in the API and in the CSV alike: whole
 * seconds, half a second rounded up. Figures are computed exactly and rounded only when given out.
 */
export function roundToSecond(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}

/** Uptime: up time over all measured time (up, planned and unplanned downtime); unknown time is not measured. */
export function uptimePercent(totals: Totals): number | null {
  const measured = totals.upMs + totals.unplannedMs + totals.plannedMs;
  return measured === 0 ? null : (100 * totals.upMs) / measured;
}

/** Availability: like uptime, but planned maintenance does not count against it. */
export function availabilityPercent(totals: Totals): number | null {
  const measured = totals.upMs + totals.unplannedMs + totals.plannedMs;
  return measured === 0 ? null : (100 * (totals.upMs + totals.plannedMs)) / measured;
}

/** Mean time to recovery: the mean length of the outages that ended, each whole; open ones are left out. */
export function mttrMs(totals: Totals): number | null {
  return totals.endedIncidents === 0 ? null : totals.endedIncidentsMs / totals.endedIncidents;
}

/** Mean time between failures of one node: its up time per outage. */
export function mtbfMs(totals: Totals): number | null {
  return totals.incidents === 0 ? null : totals.upMs / totals.incidents;
}

/**
 * Availability over a window, computed from the status history that heartbeats produce: downtime
 * split into unplanned (DOWN), planned (MAINTENANCE, linked to its operation) and unknown (the
 * manager was unreachable), which is not counted as downtime.
 */
export class AvailabilityService {
  constructor(
    private readonly liveness: LivenessService,
    private readonly targets: TargetsService,
    private readonly nodes: NodesService,
    private readonly clock: Clock,
  ) {}

  async report(targetInput: TargetInput, since: Date, until: Date | null, bucketCount: number): Promise<AvailabilityReport> {
    const to = until ?? this.clock.now();
    if (!(since < to)) throw new ValidationError('INVALID_ARGUMENT', 'since must be before until.', 'since');
    if (to.getTime() - since.getTime() > MAX_WINDOW_MS) throw new ValidationError('INVALID_ARGUMENT', 'The window may span at most 366 days.', 'since');
    if (!Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > 500)
      throw new ValidationError('INVALID_ARGUMENT', 'buckets must be from 1 to 500.', 'buckets');
    const target = await this.targets.normalize(targetInput);
    const nodes = await this.nodes.everMatching(target);
    const ids = nodes.map((node) => node.id);
    const { before, within, after } = await this.liveness.historyAround(ids, since, to);
    const startOf = new Map(before.map((row) => [row.nodeId, row]));
    const firstOf = new Map(after.map((row) => [row.nodeId, row]));
    const changesOf = new Map<string, StatusHistoryRow[]>();
    for (const row of within) changesOf.set(row.nodeId, [...(changesOf.get(row.nodeId) ?? []), row]);

    const bucketMs = (to.getTime() - since.getTime()) / bucketCount;
    const buckets: Bucket[] = Array.from({ length: bucketCount }, (_, index) => ({
      ...emptyTotals(),
      from: new Date(since.getTime() + index * bucketMs),
      to: new Date(since.getTime() + (index + 1) * bucketMs),
    }));
    const total = emptyTotals();
    const intervals: Interval[] = [];
    const perNode: NodeAvailability[] = [];

    for (const node of nodes) {
      const totals = emptyTotals();
      const opening = startOf.get(node.id);
      const first = firstOf.get(node.id);
      // The status at the start of the window: the last change before it, else what the first change left.
      let status: NodeStatus = opening?.toStatus ?? first?.fromStatus ?? node.status;
      let cause: StatusCause = opening?.cause ?? (first ? CAUSE_ON_JOINING : node.statusCause);
      let operationId: string | null = opening?.operationId ?? null;
      // When the current status began, even before the window: outages are measured whole for MTTR.
      let statusSince = opening?.at ?? node.joinedAt;
      let cursor = opening ? since : new Date(Math.max(since.getTime(), node.joinedAt.getTime()));
      const add = (end: Date) => {
        if (end <= cursor) return;
        const kind = classOf(status, cause);
        this.#count(totals, kind, cursor, end, buckets, since.getTime(), bucketMs);
        if (kind === 'UNPLANNED' || kind === 'PLANNED' || kind === 'UNKNOWN') {
          const last = intervals.at(-1);
          if (last && last.nodeId === node.id && last.kind === kind && last.to.getTime() === cursor.getTime()) {
            last.to = end;
            last.durationMs = end.getTime() - last.from.getTime();
          } else {
            intervals.push({
              nodeId: node.id,
              nodeName: node.name,
              clusterName: node.clusterName,
              kind,
              from: cursor,
              to: end,
              durationMs: end.getTime() - cursor.getTime(),
              operationId,
              cause,
            });
            if (kind === 'UNPLANNED') totals.incidents += 1;
          }
        }
        cursor = end;
      };
      for (const change of changesOf.get(node.id) ?? []) {
        add(change.at);
        if (status === 'DOWN' && change.at > since)
          this.#ended(totals, change.at.getTime() - statusSince.getTime(), change.at, buckets, since.getTime(), bucketMs);
        status = change.toStatus;
        cause = change.cause;
        operationId = change.operationId;
        statusSince = change.at;
      }
      add(to);
      if (status === 'DOWN' && statusSince < to) totals.openIncidents += 1;
      perNode.push({ nodeId: node.id, nodeName: node.name, clusterName: node.clusterName, ...totals });
      for (const key of Object.keys(total) as (keyof Totals)[]) total[key] += totals[key];
    }
    intervals.sort((a, b) => a.from.getTime() - b.from.getTime() || a.nodeName.localeCompare(b.nodeName));
    const nodeMtbfs = perNode.map(mtbfMs).filter((value): value is number => value !== null);
    return {
      ...total,
      meanMtbfMs: nodeMtbfs.length === 0 ? null : nodeMtbfs.reduce((sum, value) => sum + value, 0) / nodeMtbfs.length,
      from: since,
      to,
      nodeCount: nodes.length,
      intervals: intervals.slice(0, MAX_INTERVALS),
      intervalsTruncated: intervals.length > MAX_INTERVALS,
      nodes: perNode,
      buckets,
    };
  }

  /** The report's downtime intervals as CSV, for spreadsheets. */
  csv(report: AvailabilityReport): string {
    const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    const lines = ['node,cluster,kind,from,to,duration_seconds,operation,cause'];
    for (const interval of report.intervals) {
      lines.push(
        [
          interval.nodeName,
          interval.clusterName,
          interval.kind,
          interval.from.toISOString(),
          interval.to.toISOString(),
          String(roundToSecond(interval.durationMs) / 1000),
          interval.operationId ?? '',
          interval.cause ?? '',
        ]
          .map(quote)
          .join(','),
      );
    }
    return `${lines.join('\n')}\n`;
  }

  /** An outage that ended at `at`, `lengthMs` long in all: it counts for MTTR, in the slice it ended in. */
  #ended(totals: Totals, lengthMs: number, at: Date, buckets: Bucket[], start: number, bucketMs: number) {
    totals.endedIncidents += 1;
    totals.endedIncidentsMs += lengthMs;
    const bucket = buckets[Math.min(buckets.length - 1, Math.floor((at.getTime() - start) / bucketMs))];
    bucket.endedIncidents += 1;
    bucket.endedIncidentsMs += lengthMs;
  }

  #count(totals: Totals, kind: TimeClass, from: Date, to: Date, buckets: Bucket[], start: number, bucketMs: number) {
    const key = ({ UP: 'upMs', UNPLANNED: 'unplannedMs', PLANNED: 'plannedMs', UNKNOWN: 'unknownMs' } as const)[kind as Exclude<TimeClass, 'NONE'>];
    if (!key) return;
    totals[key] += to.getTime() - from.getTime();
    const firstBucket = Math.max(0, Math.floor((from.getTime() - start) / bucketMs));
    const lastBucket = Math.min(buckets.length - 1, Math.floor((to.getTime() - 1 - start) / bucketMs));
    for (let index = firstBucket; index <= lastBucket; index += 1) {
      const bucket = buckets[index];
      const overlap = Math.min(to.getTime(), bucket.to.getTime()) - Math.max(from.getTime(), bucket.from.getTime());
      if (overlap > 0) bucket[key] += overlap;
      if (kind === 'UNPLANNED' && from.getTime() >= bucket.from.getTime() && from.getTime() < bucket.to.getTime()) bucket.incidents += 1;
    }
  }
}
