import { builder } from '../../graphql/builder.ts';
import type { CostExtensions } from '../../graphql/limits.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import {
  type AvailabilityReport,
  availabilityPercent,
  type Bucket,
  type Interval,
  mtbfMs,
  mttrMs,
  type NodeAvailability,
  roundToSecond,
  type Totals,
  uptimePercent,
} from './availability.service.ts';

const DowntimeKindEnum = builder.enumType('DowntimeKind', {
  description: 'What kind of time a node was not up.',
  values: {
    UNPLANNED: { description: 'DOWN: an outage.' },
    PLANNED: { description: 'MAINTENANCE: taken down on purpose by an operation.' },
    UNKNOWN: { description: 'Its manager was unreachable; not counted as downtime.' },
  },
});

type FieldBuilder<T> = PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<import('../../graphql/builder.ts').PothosTypes>, T>;

/** A duration as the report gives it: rounded once, the same way as in the CSV. */
function reported(ms: number): number;
function reported(ms: number | null): number | null;
function reported(ms: number | null): number | null {
  return ms === null ? null : roundToSecond(ms);
}

const ROUNDING = 'In whole seconds, half a second rounded up, as in the CSV.';

/** The figures every level of the report shares: the report, each node and each slice. */
function totalsFields<T extends Totals>(t: FieldBuilder<T>) {
  return {
    uptimePercent: t.float({
      nullable: true,
      description: 'Up time over measured time (up + planned + unplanned downtime); null with nothing measured.',
      resolve: (value) => uptimePercent(value),
    }),
    availabilityPercent: t.float({
      nullable: true,
      description: 'Like uptime, but planned maintenance does not count against it (the SLA figure).',
      resolve: (value) => availabilityPercent(value),
    }),
    up: t.field({ type: 'Duration', description: `Node time up (UP or SUSPECT). ${ROUNDING}`, resolve: (value) => reported(value.upMs) }),
    unplannedDowntime: t.field({ type: 'Duration', description: `Node time DOWN. ${ROUNDING}`, resolve: (value) => reported(value.unplannedMs) }),
    plannedDowntime: t.field({ type: 'Duration', description: `Node time in MAINTENANCE. ${ROUNDING}`, resolve: (value) => reported(value.plannedMs) }),
    unknown: t.field({
      type: 'Duration',
      description: `Node time UNKNOWN because the manager was unreachable; not measured. A node's start-up (from joining to its first heartbeat) is not counted at all. ${ROUNDING}`,
      resolve: (value) => reported(value.unknownMs),
    }),
    incidents: t.int({
      description: 'Unplanned outages (DOWN intervals) within the window, ended or still open; for a slice, those that began in it.',
      resolve: (value) => value.incidents,
    }),
    mttr: t.field({
      type: 'Duration',
      nullable: true,
      description: `Mean time to recovery: the mean length of the outages that ended within the window (for a slice: that ended in it), each measured whole, from when it began even if before the window. Outages still open are left out; null when none ended. ${ROUNDING}`,
      resolve: (value) => reported(mttrMs(value)),
    }),
  };
}

/** Figures that belong to the whole window: the report's and each node's. */
function windowFields<T extends Totals>(t: FieldBuilder<T>) {
  return {
    openIncidents: t.int({
      description: 'Of the incidents, those still open when the window closes (not part of MTTR).',
      resolve: (value) => value.openIncidents,
    }),
  };
}

const IntervalRef = builder.objectRef<Interval>('DowntimeInterval').implement({
  description: 'A stretch of time a node was not up.',
  fields: (t) => ({
    nodeId: t.exposeID('nodeId', { description: 'The node.' }),
    nodeName: t.exposeString('nodeName', { description: 'Its name.' }),
    clusterName: t.exposeString('clusterName', { description: 'Its cluster.' }),
    kind: t.field({ type: DowntimeKindEnum, description: 'Unplanned, planned or unknown.', resolve: (interval) => interval.kind }),
    from: t.field({ type: 'DateTime', description: 'Start (clipped to the window).', resolve: (interval) => interval.from }),
    to: t.field({ type: 'DateTime', description: 'End (clipped to the window).', resolve: (interval) => interval.to }),
    duration: t.field({ type: 'Duration', description: `Length. ${ROUNDING}`, resolve: (interval) => reported(interval.durationMs) }),
    operationId: t.exposeID('operationId', { nullable: true, description: 'For planned downtime: the operation.' }),
    cause: t.exposeString('cause', { nullable: true, description: 'The cause of the status it began with.' }),
  }),
});

const NodeAvailabilityRef = builder.objectRef<NodeAvailability>('NodeAvailability').implement({
  description: 'One node’s figures.',
  fields: (t) => ({
    nodeId: t.exposeID('nodeId', { description: 'The node.' }),
    nodeName: t.exposeString('nodeName', { description: 'Its name.' }),
    clusterName: t.exposeString('clusterName', { description: 'Its cluster.' }),
    ...totalsFields(t),
    ...windowFields(t),
    mtbf: t.field({
      type: 'Duration',
      nullable: true,
      description: `Mean time between failures: the node's up time divided by its incidents; null when it had none. ${ROUNDING}`,
      resolve: (value) => reported(mtbfMs(value)),
    }),
  }),
});

const BucketRef = builder.objectRef<Bucket>('AvailabilityBucket').implement({
  description: 'The figures of one slice of the window, for charts.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Start of the slice.', resolve: (bucket) => bucket.from }),
    to: t.field({ type: 'DateTime', description: 'End of the slice.', resolve: (bucket) => bucket.to }),
    ...totalsFields(t),
  }),
});

const ReportRef = builder.objectRef<AvailabilityReport>('AvailabilityReport').implement({
  description: 'Availability of a set of nodes over a window, from heartbeat history: planned and unplanned downtime apart, unknown time not counted.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Window start.', resolve: (report) => report.from }),
    to: t.field({ type: 'DateTime', description: 'Window end.', resolve: (report) => report.to }),
    nodeCount: t.exposeInt('nodeCount', { description: 'Nodes in the report.' }),
    ...totalsFields(t),
    ...windowFields(t),
    mtbf: t.field({
      type: 'Duration',
      nullable: true,
      description: `The mean of the nodes' MTBF (see NodeAvailability.mtbf), over the nodes that had an incident; null when none had. ${ROUNDING}`,
      resolve: (report) => reported(report.meanMtbfMs),
    }),
    intervals: t.field({
      type: [IntervalRef],
      description: 'Downtime and unknown intervals, oldest first (at most 1000). A node’s start-up, from joining to its first heartbeat, is not one.',
      extensions: { maxItems: 1000 } satisfies CostExtensions,
      resolve: (report) => report.intervals,
    }),
    intervalsTruncated: t.exposeBoolean('intervalsTruncated', { description: 'True when there were more than 1000 intervals.' }),
    nodes: t.field({ type: [NodeAvailabilityRef], description: 'Per node.', resolve: (report) => report.nodes }),
    buckets: t.field({ type: [BucketRef], description: 'The window in equal slices, for charts.', resolve: (report) => report.buckets }),
    csv: t.string({
      description: 'The downtime intervals as CSV: times in ISO 8601 (UTC), durations in whole seconds rounded as in the report.',
      resolve: (report, _args, context) => context.services.availability.csv(report),
    }),
  }),
});

builder.queryField('availability', (t) =>
  t.field({
    type: ReportRef,
    description: 'Availability of a node, cluster, tag or the whole system over a window (at most 366 days).',
    args: {
      target: t.arg({ type: TargetInput, required: true, description: 'Which nodes.' }),
      since: t.arg({ type: 'DateTime', required: true, description: 'Window start.' }),
      until: t.arg({ type: 'DateTime', description: 'Window end (default now).' }),
      buckets: t.arg.int({ defaultValue: 24, description: 'Slices for charts, 1 to 500.' }),
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) => context.services.availability.report(args.target, args.since, args.until ?? null, args.buckets ?? 24),
  }),
);
