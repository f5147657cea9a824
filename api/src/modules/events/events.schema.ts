import { DEFAULT_EVENT_RETENTION } from '../../config.ts';
import type { PothosTypes } from '../../graphql/builder.ts';
import { builder } from '../../graphql/builder.ts';
import type { Context } from '../../graphql/context.ts';
import { type EventDraft, isResync, type Published, type ResyncRequired } from '../../shared/events.ts';
import type { TopologyEvent, TopologyEventType } from '../../shared/topology-events.ts';
import type { AlertChangedEvent } from '../alerts/alerts.events.ts';
import { AlertStateEnum, SeverityEnum } from '../alerts/alerts.schema.ts';
import type { StatusChangedEvent } from '../liveness/liveness.events.ts';
import { NodeStatusEnum, StatusCauseEnum } from '../liveness/liveness.schema.ts';
import type { NodeStatus } from '../liveness/liveness.types.ts';
import { NodeRoleEnum } from '../nodes/nodes.schema.ts';
import { normalizeTag } from '../tags/tags.rules.ts';
import { InvalidTargetError } from '../targets/targets.errors.ts';
import { TagMatchEnum } from '../targets/targets.schema.ts';
import type { TagMatch } from '../targets/targets.types.ts';
import { MAX_BACKLOG } from './events.service.ts';

/** What every node and topology event says: where, and the tags filters match on. */
type Located = Published<EventDraft<string, { clusterId: string; clusterName: string; tags: string[] }>>;

const EVENT_SEQUENCE =
  'The event’s place in the one order of all events, status and topology alike: it only grows, so one subscription sees gaps where other events (or ones its filter skips) were. Give the last one you received as afterSequence to resume.';

export const ResyncRequiredRef = builder.objectRef<ResyncRequired>('ResyncRequired').implement({
  description:
    'Sent instead of missed events that are no longer retained (or when a subscriber falls too far behind): refetch a snapshot with a query, then subscribe again with afterSequence set to this sequence.',
  fields: (t) => ({
    sequence: t.field({ type: 'SafeInt', description: 'The newest sequence; resume after it once you have refetched.', resolve: (resync) => resync.sequence }),
    reason: t.exposeString('reason', { description: 'Why.' }),
  }),
});

const TopologyKindEnum = builder.enumType('TopologyChangeKind', {
  description: 'What changed in the topology.',
  values: {
    CLUSTER_REGISTERED: { description: 'A cluster was created.' },
    CLUSTER_UPDATED: { description: 'A cluster changed (name, details, or its manager).' },
    CLUSTER_REMOVED: { description: 'A cluster was deleted.' },
    CLUSTER_UNREACHABLE: { description: 'A cluster’s manager stopped reporting.' },
    CLUSTER_REACHABLE: { description: 'A cluster’s manager reports again.' },
    NODE_JOINED: { description: 'A node joined (or rejoined) a cluster.' },
    NODE_UPDATED: { description: 'A node’s address, version or labels changed.' },
    NODE_LEFT: { description: 'A node left its cluster.' },
    NODE_REMOVED: { description: 'A node was removed from the inventory.' },
    TAGS_CHANGED: { description: 'Tags of a node or cluster changed.' },
    INVENTORY_CHANGED: { description: 'What a node has installed or loaded changed (see Node.inventory).' },
  } satisfies Record<TopologyEventType, { description: string }>,
});

const common = <Event extends Located>(t: PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<PothosTypes>, Event>) => ({
  sequence: t.field({ type: 'SafeInt', description: EVENT_SEQUENCE, resolve: (event) => event.sequence }),
  at: t.field({ type: 'DateTime', description: 'When it happened.', resolve: (event) => event.at }),
  clusterId: t.id({ description: 'The cluster concerned.', resolve: (event) => event.payload.clusterId }),
  clusterName: t.string({ description: 'Its name at the time.', resolve: (event) => event.payload.clusterName }),
  tags: t.stringList({ description: 'Effective tags of the node (or cluster) at the time.', resolve: (event) => event.payload.tags }),
});

const NodeStatusChangeRef = builder.objectRef<Published<StatusChangedEvent>>('NodeStatusChange').implement({
  description: 'A node’s status changed.',
  fields: (t) => ({
    ...common(t),
    nodeId: t.id({ description: 'The node.', resolve: (event) => event.payload.nodeId }),
    nodeName: t.string({ description: 'Its name.', resolve: (event) => event.payload.nodeName }),
    role: t.field({ type: NodeRoleEnum, description: 'Its role.', resolve: (event) => event.payload.role }),
    from: t.field({ type: NodeStatusEnum, description: 'Status before.', resolve: (event) => event.payload.from }),
    to: t.field({ type: NodeStatusEnum, description: 'Status after.', resolve: (event) => event.payload.to }),
    cause: t.field({ type: StatusCauseEnum, description: 'Why.', resolve: (event) => event.payload.cause }),
    operationId: t.id({
      nullable: true,
      description: 'The operation that took the node into maintenance or brought it out.',
      resolve: (event) => event.payload.operationId ?? null,
    }),
  }),
});

const TopologyChangeRef = builder.objectRef<Published<TopologyEvent>>('TopologyChange').implement({
  description: 'The topology changed.',
  fields: (t) => ({
    ...common(t),
    kind: t.field({ type: TopologyKindEnum, description: 'What changed.', resolve: (event) => event.type }),
    nodeId: t.id({ nullable: true, description: 'The node, for node changes.', resolve: (event) => event.payload.nodeId ?? null }),
    nodeName: t.string({ nullable: true, description: 'Its name.', resolve: (event) => event.payload.nodeName ?? null }),
    role: t.field({ type: NodeRoleEnum, nullable: true, description: 'Its role.', resolve: (event) => event.payload.role ?? null }),
  }),
});

const NodeStatusEventUnion = builder.unionType('NodeStatusEvent', {
  description: 'A status change, or a request to resync.',
  types: [NodeStatusChangeRef, ResyncRequiredRef],
  resolveType: (item) => (isResync(item) ? ResyncRequiredRef : NodeStatusChangeRef),
});

const TopologyEventUnion = builder.unionType('TopologyEvent', {
  description: 'A topology change, or a request to resync.',
  types: [TopologyChangeRef, ResyncRequiredRef],
  resolveType: (item) => (isResync(item) ? ResyncRequiredRef : TopologyChangeRef),
});

const TopologyFilterInput = builder.inputType('TopologyEventFilter', {
  description: 'Which topology events to receive; omitted fields do not filter.',
  fields: (t) => ({
    clusters: t.stringList({ description: 'Only these clusters (ids or names).' }),
    tags: t.stringList({ description: 'Only nodes or clusters carrying these tags (including cluster:, product:, role: groups).' }),
    tagMatch: t.field({ type: TagMatchEnum, defaultValue: 'ALL', description: 'ALL (default) or ANY of the tags.' }),
    kinds: t.field({ type: [TopologyKindEnum], description: 'Only changes of these kinds (e.g. INVENTORY_CHANGED).' }),
  }),
});

const StatusFilterInput = builder.inputType('NodeStatusEventFilter', {
  description: 'Which status changes to receive; omitted fields do not filter.',
  fields: (t) => ({
    clusters: t.stringList({ description: 'Only these clusters (ids or names).' }),
    tags: t.stringList({ description: 'Only nodes carrying these tags (including cluster:, product:, role: groups).' }),
    tagMatch: t.field({ type: TagMatchEnum, defaultValue: 'ALL', description: 'ALL (default) or ANY of the tags.' }),
    statuses: t.field({ type: [NodeStatusEnum], description: 'Only changes into one of these statuses.' }),
  }),
});

interface FilterArgs {
  clusters?: readonly string[] | null;
  tags?: readonly string[] | null;
  tagMatch?: TagMatch | null;
  statuses?: readonly NodeStatus[] | null;
  kinds?: readonly string[] | null;
}

async function matcher(context: Context, filter: FilterArgs | null | undefined): Promise<(event: Located & { payload: { to?: NodeStatus } }) => boolean> {
  const clusterIds = filter?.clusters?.length ? new Set(await context.services.targets.clusterIds(filter.clusters)) : null;
  const tags = filter?.tags?.length
    ? filter.tags.map((tag) => {
        try {
          return normalizeTag(tag);
        } catch (error) {
          throw new InvalidTargetError((error as Error).message);
        }
      })
    : null;
  const statuses = filter?.statuses?.length ? new Set(filter.statuses) : null;
  const kinds = filter?.kinds?.length ? new Set(filter.kinds) : null;
  const matchAll = (filter?.tagMatch ?? 'ALL') === 'ALL';
  return (event) => {
    if (clusterIds && !clusterIds.has(event.clusterId ?? '')) return false;
    if (statuses && (event.payload.to === undefined || !statuses.has(event.payload.to))) return false;
    if (kinds && !kinds.has(event.type)) return false;
    if (tags) {
      const carried = new Set(event.payload.tags);
      if (matchAll ? !tags.every((tag) => carried.has(tag)) : !tags.some((tag) => carried.has(tag))) return false;
    }
    return true;
  };
}

const AFTER_SEQUENCE = `Resume after this sequence: missed events are replayed first. The OC keeps the newest ${DEFAULT_EVENT_RETENTION.toLocaleString('en')} events of both kinds (OPSCENTER_EVENT_RETENTION); when it no longer has what you missed, or you are more than ${MAX_BACKLOG.toLocaleString('en')} events behind, it sends ResyncRequired instead.`;

builder.queryField('eventSequence', (t) =>
  t.field({
    type: 'SafeInt',
    description: 'The newest event sequence. Take it with a snapshot, then subscribe with afterSequence set to it to miss nothing in between.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.services.bus.head,
  }),
);

builder.subscriptionFields((t) => ({
  nodeStatusChanged: t.field({
    type: NodeStatusEventUnion,
    description: 'Node status transitions as they happen, with their cause. A steady heartbeat sends nothing.',
    args: { filter: t.arg({ type: StatusFilterInput, description: 'Which changes.' }), afterSequence: t.arg({ type: 'SafeInt', description: AFTER_SEQUENCE }) },
    authScopes: { viewer: true },
    subscribe: async (_root, args, context) =>
      context.services.events.stream({ channel: 'status', afterSequence: args.afterSequence, matches: await matcher(context, args.filter) }),
    resolve: (item) => item,
  }),
  topologyEvents: t.field({
    type: TopologyEventUnion,
    description: 'Clusters registered, updated or removed, nodes joining or leaving, tags changing, managers lost and found, node inventories changing.',
    args: {
      filter: t.arg({ type: TopologyFilterInput, description: 'Which events.' }),
      afterSequence: t.arg({ type: 'SafeInt', description: AFTER_SEQUENCE }),
    },
    authScopes: { viewer: true },
    subscribe: async (_root, args, context) =>
      context.services.events.stream({ channel: 'topology', afterSequence: args.afterSequence, matches: await matcher(context, args.filter) }),
    resolve: (item) => item,
  }),
}));

const AlertChangeRef = builder.objectRef<Published<AlertChangedEvent>>('AlertChange').implement({
  description: 'An alert changed.',
  fields: (t) => ({
    sequence: t.field({ type: 'SafeInt', description: 'Its place in the one order of all events; resume after it.', resolve: (event) => event.sequence }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (event) => event.at }),
    change: t.string({
      description: 'PENDING, FIRING, RESOLVED, INHIBITED, UNINHIBITED, SILENCED, UNSILENCED or ACKNOWLEDGED.',
      resolve: (event) => event.payload.change,
    }),
    alertId: t.id({ description: 'The alert.', resolve: (event) => event.payload.alertId }),
    ruleName: t.string({ description: 'Its rule.', resolve: (event) => event.payload.ruleName }),
    severity: t.field({ type: SeverityEnum, description: 'Severity.', resolve: (event) => event.payload.severity as 'INFO' }),
    state: t.field({ type: AlertStateEnum, description: 'Its state now.', resolve: (event) => event.payload.state as 'FIRING' }),
    subjectName: t.string({ description: 'What it is about.', resolve: (event) => event.payload.subjectName }),
    clusterName: t.string({ nullable: true, description: 'Its cluster.', resolve: (event) => event.payload.clusterName }),
    summary: t.string({ description: 'What the OC saw.', resolve: (event) => event.payload.summary }),
    inhibitedBy: t.string({ nullable: true, description: 'Why it is held back, if it is.', resolve: (event) => event.payload.inhibitedBy }),
    silenced: t.boolean({ description: 'Whether a silence holds it.', resolve: (event) => event.payload.silenced }),
  }),
});

const AlertEventUnion = builder.unionType('AlertEvent', {
  description: 'An alert change, or a request to resync.',
  types: [AlertChangeRef, ResyncRequiredRef],
  resolveType: (item) => (isResync(item) ? ResyncRequiredRef : AlertChangeRef),
});

builder.subscriptionField('alerts', (t) =>
  t.field({
    type: AlertEventUnion,
    description: 'Alerts as they change: pending, firing, resolved, inhibited, silenced, acknowledged.',
    args: { afterSequence: t.arg({ type: 'SafeInt', description: 'Resume after this sequence: missed events are replayed first.' }) },
    authScopes: { viewer: true },
    subscribe: (_root, args, context) => context.services.events.stream({ channel: 'alerts', afterSequence: args.afterSequence, matches: () => true }),
    resolve: (item) => item,
  }),
);
