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

/** The figures every level of the report shares. */
function totalsFields<T extends Totals>(t: PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<import('../../graphql/builder.ts').PothosTypes>, T>) {
  return {
    uptimePercent: t.float({ nullable: true, description: 'Up time over measured time (up + planned + unplanned downtime); null with nothing measured.', resolve: (value) => uptimePercent(value) }),
    availabilityPercent: t.float({ nullable: true, description: 'Like uptime, but planned maintenance does not count against it (the SLA figure).', resolve: (value) => availabilityPercent(value) }),
    up: t.field({ type: 'Duration', description: 'Time up (UP or SUSPECT).', resolve: (value) => value.upMs }),
    unplannedDowntime: t.field({ type: 'Duration', description: 'Time DOWN.', resolve: (value) => value.unplannedMs }),
    plannedDowntime: t.field({ type: 'Duration', description: 'Time in MAINTENANCE.', resolve: (value) => value.plannedMs }),
    unknown: t.field({ type: 'Duration', description: 'Time UNKNOWN (manager unreachable); not measured.', resolve: (value) => value.unknownMs }),
    incidents: t.int({ description: 'Unplanned outages (DOWN intervals).', resolve: (value) => value.incidents }),
    mttr: t.field({ type: 'Duration', nullable: true, description: 'Mean time to recovery: unplanned downtime per incident.', resolve: (value) => mttrMs(value) }),
    mtbf: t.field({ type: 'Duration', nullable: true, description: 'Mean time between failures: up time per incident.', resolve: (value) => mtbfMs(value) }),
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
    duration: t.field({ type: 'Duration', description: 'Length.', resolve: (interval) => interval.durationMs }),
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
    intervals: t.field({
      type: [IntervalRef],
      description: 'Downtime intervals, oldest first (at most 1000).',
      extensions: { maxItems: 1000 } satisfies CostExtensions,
      resolve: (report) => report.intervals,
    }),
    intervalsTruncated: t.exposeBoolean('intervalsTruncated', { description: 'True when there were more than 1000 intervals.' }),
    nodes: t.field({ type: [NodeAvailabilityRef], description: 'Per node.', resolve: (report) => report.nodes }),
    buckets: t.field({ type: [BucketRef], description: 'The window in equal slices, for charts.', resolve: (report) => report.buckets }),
    csv: t.string({ description: 'The downtime intervals as CSV.', resolve: (report, _args, context) => context.services.availability.csv(report) }),
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
