import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { REFUSAL_CODES } from './liveness.errors.ts';
import type { HeartbeatReceipt, HeartbeatRefusal } from './liveness.service.ts';
import type { nodeStatus, reportedState, statusCause } from './liveness.table.ts';

export const NodeStatusEnum = builder.enumType('NodeStatus', {
  description: 'Liveness of a node, judged from heartbeats its manager relays.',
  values: {
    UP: { description: 'Reporting healthy.' },
    SUSPECT: { description: 'Missed heartbeats or reported failing; not yet judged DOWN.' },
    DOWN: { description: 'Silent or failing past the grace period, while its manager reports fine.' },
    UNKNOWN: { description: 'Not known: its manager is unreachable, or it has not reported yet. Never counted as downtime.' },
    MAINTENANCE: { description: 'Taken down on purpose by an operation.' },
    LEFT: { description: 'No longer a member of its cluster.' },
  } satisfies Record<(typeof nodeStatus.enumValues)[number], { description: string }>,
});

export const StatusCauseEnum = builder.enumType('StatusCause', {
  description: 'Why a node entered its status.',
  values: {
    JOINED: { description: 'The node joined its cluster.' },
    REJOINED: { description: 'The node joined again after leaving.' },
    LEFT: { description: 'The manager reported the node gone.' },
    MISSED_HEARTBEATS: { description: 'Fresh batches from the manager stopped including the node.' },
    REPORTED_FAILURE: { description: 'The manager reported the node failing (health check, stopped process).' },
    MANAGER_UNREACHABLE: { description: "The cluster's manager stopped reporting; nothing is known about its nodes." },
    FIRST_HEARTBEAT: { description: 'The node reported healthy for the first time since it joined (or rejoined) its cluster.' },
    RECOVERED: { description: 'A healthy heartbeat arrived after the node was SUSPECT, DOWN or UNKNOWN (its manager unreachable).' },
    OPERATION_STARTED: { description: 'An operation took the node down on purpose (planned maintenance).' },
    OPERATION_FINISHED: { description: 'The operation is done with the node.' },
  } satisfies Record<(typeof statusCause.enumValues)[number], { description: string }>,
});

export const ReportedStateEnum = builder.enumType('ReportedState', {
  description:
    'What a manager observes of one of its nodes. While a node is in MAINTENANCE (an operation restarts it), no report changes its status: the operation waits for HEALTHY reports. Otherwise the OC judges each report as described here.',
  values: {
    HEALTHY: { description: 'Running and passing its health check: the node is UP.' },
    STARTING: {
      description:
        'Started and not serving yet (report it until the health check passes, then HEALTHY, or until the start takes too long, then UNHEALTHY). A node that has not been UP since it joined stays UNKNOWN while starting; a node that was UP counts it as a failure, like UNHEALTHY, unless an operation restarts it.',
    },
    UNHEALTHY: {
      description: 'Running but failing its health check: SUSPECT at once, DOWN once reported across suspect-after intervals (cause REPORTED_FAILURE).',
    },
    STOPPED: {
      description:
        'Not running, e.g. between the stop and the start of a restart: judged like UNHEALTHY, so a restart the OC did not order counts as downtime.',
    },
  } satisfies Record<(typeof reportedState.enumValues)[number], { description: string }>,
});

const RefusalCodeEnum = builder.enumType('HeartbeatRefusalCode', {
  description: 'Why one heartbeat entry was refused.',
  values: Object.fromEntries(Object.entries(REFUSAL_CODES).map(([code, description]) => [code, { value: code, description }])),
});

const HeartbeatEntryInput = builder.inputType('HeartbeatEntryInput', {
  description:
    'One node in a batch, named by name (within the cluster) or by id, with its measurements. Leave out what is not measured; the last value is kept. An entry whose state is STOPPED has no measurements: any it carries are ignored, and the last ones are kept as last known.',
  fields: (t) => ({
    name: t.string({ description: 'The node name, as reported in membership.' }),
    nodeId: t.id({ description: 'The node id.' }),
    state: t.field({
      type: ReportedStateEnum,
      required: true,
      description:
        'What the manager observes now. While it restarts a worker, keep the worker in every batch, as STOPPED, then STARTING, then HEALTHY: a worker left out of batches counts as missing heartbeats.',
    }),
    version: t.string({ description: 'The running version.' }),
    cpuPercent: t.float({ description: 'CPU use in percent of one core.' }),
    memoryBytes: t.float({ description: 'Resident memory in bytes.' }),
    load1: t.float({ description: "The host's one-minute load average." }),
    diskPercent: t.float({ description: 'Disk space used, 0 to 100.' }),
    uptimeSeconds: t.float({ description: 'Seconds since the node (process) started.' }),
  }),
});

const HeartbeatBatchInput = builder.inputType('HeartbeatBatchInput', {
  description: 'One batch from a manager: itself and any number of its workers.',
  fields: (t) => ({
    sequence: t.field({
      type: 'SafeInt',
      required: true,
      description:
        'Grows with every batch the manager sends, also across restarts of the manager agent. A batch not newer than the last one applied is ignored as stale and changes nothing (the receipt says so), so a counter that starts again at 1 after a restart is ignored until it passes the old one: count from the time the agent starts, in milliseconds, as the bundled agent does, or continue after the receipt’s lastAppliedSequence. It starts over only when the manager enrolls again.',
    }),
    entries: t.field({ type: [HeartbeatEntryInput], required: true, description: 'The nodes reported.' }),
  }),
});

const HeartbeatRefusalRef = builder.objectRef<HeartbeatRefusal>('HeartbeatRefusal').implement({
  description: 'An entry that was not applied; the rest of the batch was.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the entry in the batch.' }),
    node: t.exposeString('node', { description: 'The name or id the entry gave.' }),
    code: t.field({ type: RefusalCodeEnum, description: 'Why.', resolve: (refusal) => refusal.code }),
    message: t.exposeString('message', { description: 'Why, for people.' }),
  }),
});

export const HeartbeatReceiptRef = builder.objectRef<HeartbeatReceipt>('HeartbeatReceipt').implement({
  description: 'What became of a heartbeat batch.',
  fields: (t) => ({
    accepted: t.exposeInt('accepted', { description: 'Entries applied.' }),
    refused: t.field({ type: [HeartbeatRefusalRef], description: 'Entries not applied, and why.', resolve: (receipt) => receipt.refused }),
    stale: t.exposeBoolean('stale', { description: 'True when the batch was not newer than one already applied; nothing changed.' }),
    lastAppliedSequence: t.field({
      type: 'SafeInt',
      description: 'The newest sequence the OC has applied from this manager: this batch’s, unless it was stale. The next batch must be greater.',
      resolve: (receipt) => receipt.lastAppliedSequence,
    }),
    hint: t.exposeString('hint', { nullable: true, description: 'For a stale batch, what happened and what to send instead; null otherwise.' }),
    heartbeatIntervalMs: t.int({ description: 'How often the OC expects a batch.', resolve: (receipt) => receipt.intervalMs }),
  }),
});

builder.mutationField('sendHeartbeats', (t) =>
  mutation(t, 'heartbeats.send', 'AGENT', {
    type: HeartbeatReceiptRef,
    description: 'A manager reports itself and its workers. Agent credential only.',
    args: { input: t.arg({ type: HeartbeatBatchInput, required: true, description: 'The batch.' }) },
    audit: 'REFUSALS',
    resolve: (meta, args, context) => context.services.liveness.ingest(meta, args.input),
  }),
);
