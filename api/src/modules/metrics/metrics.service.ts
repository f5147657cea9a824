import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CLUSTER_HEALTH, clusterHealth } from '../clusters/clusters.health.ts';
import type { BatchObservation, ClusterFleet, MeasurementSpread } from '../liveness/liveness.service.ts';
import type { NodeStatus } from '../liveness/liveness.types.ts';
import type { TargetInput } from '../targets/targets.types.ts';
import { TooManyNodesError } from './metrics.errors.ts';

/** The most nodes one scrape may ask per-node series for: their number is what a scrape costs. */
export const MAX_NODE_SERIES = 1000;

const STATUSES: readonly NodeStatus[] = ['UP', 'SUSPECT', 'DOWN', 'UNKNOWN', 'MAINTENANCE', 'LEFT'];

export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

export interface NodeLatest {
  nodeId: string;
  status: NodeStatus;
  lastSeenAt: Date | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  load1: number | null;
  diskPercent: number | null;
}

/**
 * What the metrics read from the rest of the OC. The composition root implements it, so the modules
 * measured (events, operations) need not know that anything measures them.
 */
export interface MetricsSources {
  fleetByCluster(): Promise<ClusterFleet[]>;
  subscribers(): number;
  eventDelivery(): Promise<{ committed: number; delivered: number; heldBack: number }>;
  activeStepCounts(): Promise<{ state: string; count: number }[]>;
  /** The first `limit` member nodes a target selects, by cluster and name; refuses a target that is not valid. */
  nodesOf(target: TargetInput, limit: number): Promise<{ id: string; name: string; role: 'MANAGER' | 'WORKER'; clusterName: string }[]>;
  latestOf(nodeIds: string[]): Promise<NodeLatest[]>;
}

/**
 * The OC's Prometheus metrics: its own health and the fleet by cluster, in a registry of its own
 * (not prom-client's global one), so that several OCs in one process keep theirs apart. Fleet
 * figures stay bounded by the number of clusters; per-node series are read only for a target a
 * scrape names, and only up to MAX_NODE_SERIES nodes.
 */
export class MetricsService {
  readonly #registry = new Registry();
  readonly #batches: Counter<'result'>;
  readonly #entries: Counter<'result'>;
  readonly #batchSeconds: Histogram;
  readonly #events: Record<'committed' | 'delivered' | 'undelivered' | 'heldBack', Gauge>;
  readonly #steps: Gauge<'state'>;
  readonly #clusters: {
    nodes: Gauge<'cluster' | 'role' | 'status'>;
    health: Gauge<'cluster' | 'health'>;
    measured: Gauge<'cluster'>;
    spreads: { avg: Gauge<'cluster'>; max: Gauge<'cluster'>; of: (fleet: ClusterFleet) => MeasurementSpread }[];
  };

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.#registry];
    collectDefaultMetrics({ register: this.#registry });
    this.#batches = new Counter({
      name: 'opscenter_heartbeat_batches_total',
      help: 'Heartbeat batches handled, by result: applied, or stale (a sequence already applied; nothing changed).',
      labelNames: ['result'],
      registers,
    });
    this.#entries = new Counter({
      name: 'opscenter_heartbeat_entries_total',
      help: 'Heartbeat entries in handled batches, by result: accepted or refused.',
      labelNames: ['result'],
      registers,
    });
    this.#batchSeconds = new Histogram({
      name: 'opscenter_heartbeat_batch_duration_seconds',
      help: "Time from a heartbeat batch's arrival to its receipt, waiting for its cluster's turn included.",
      registers,
    });
    const plain = (name: string, help: string) => new Gauge({ name, help, registers });
    this.#events = {
      committed: plain('opscenter_events_committed_sequence', 'The newest event sequence committed to the database.'),
      delivered: plain('opscenter_events_delivered_sequence', "The newest event sequence delivered to this OC's subscribers."),
      undelivered: plain('opscenter_events_undelivered', 'Events committed but not yet delivered to subscribers.'),
      heldBack: plain('opscenter_events_held_back', 'Events received out of order, held back until every earlier one is delivered.'),
    };
    this.#steps = new Gauge({
      name: 'opscenter_operation_steps',
      help: 'Steps of unfinished operations, by state.',
      labelNames: ['state'],
      registers,
    });
    const byCluster = (name: string, help: string) => new Gauge({ name, help, labelNames: ['cluster'], registers });
    const spread = (name: string, what: string, of: (fleet: ClusterFleet) => MeasurementSpread) => ({
      avg: byCluster(`${name}_avg`, `Average ${what} over the cluster's nodes that report it now.`),
      max: byCluster(`${name}_max`, `Highest ${what} among the cluster's nodes that report it now.`),
      of,
    });
    this.#clusters = {
      nodes: new Gauge({
        name: 'opscenter_cluster_nodes',
        help: 'Nodes of each cluster by role and status.',
        labelNames: ['cluster', 'role', 'status'],
        registers,
      }),
      health: new Gauge({
        name: 'opscenter_cluster_health',
        help: "1 for each cluster's health (UNREACHABLE, CRITICAL, DEGRADED, PENDING, HEALTHY), 0 for the others.",
        labelNames: ['cluster', 'health'],
        registers,
      }),
      measured: byCluster(
        'opscenter_cluster_measured_nodes',
        'Nodes of each cluster whose measurements are current (heard from within the suspect-after window).',
      ),
      spreads: [
        spread('opscenter_cluster_cpu_percent', 'CPU use (percent of one core)', (fleet) => fleet.cpuPercent),
        spread('opscenter_cluster_memory_bytes', 'resident memory (bytes)', (fleet) => fleet.memoryBytes),
        spread('opscenter_cluster_disk_percent', 'disk space used (percent)', (fleet) => fleet.diskPercent),
      ],
    };
    this.gauge('opscenter_subscribers', 'Subscriptions (WebSocket or server-sent events) receiving live events from this OC.', [], () => [
      { value: sources.subscribers() },
    ]);
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /**
   * Adds a gauge read at every scrape, for figures that other modules own (alert counts, outbox
   * depth). The composition root registers them, so those modules need not know Prometheus.
   */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => GaugeSample[] | Promise<GaugeSample[]>): void {
    new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.#registry],
      async collect() {
        const samples = await read();
        this.reset();
        for (const sample of samples) this.set(sample.labels ?? {}, sample.value);
      },
    });
  }

  /** Counts one handled heartbeat batch (LivenessService.onBatch). */
  recordBatch(batch: BatchObservation): void {
    this.#batches.inc({ result: batch.stale ? 'stale' : 'applied' });
    if (batch.accepted > 0) this.#entries.inc({ result: 'accepted' }, batch.accepted);
    if (batch.refused > 0) this.#entries.inc({ result: 'refused' }, batch.refused);
    this.#batchSeconds.observe(batch.durationMs / 1000);
  }

  /** The OC's own health and the fleet by cluster, in Prometheus text format. */
  async scrape(): Promise<string> {
    const [fleet, delivery, steps] = await Promise.all([this.sources.fleetByCluster(), this.sources.eventDelivery(), this.sources.activeStepCounts()]);
    // Each gauge is reset and set in one synchronous run, so a scrape running beside this one
    // sees one whole reading or the other, and clusters removed since the last scrape disappear.
    this.#events.committed.set(delivery.committed);
    this.#events.delivered.set(delivery.delivered);
    this.#events.undelivered.set(Math.max(0, delivery.committed - delivery.delivered));
    this.#events.heldBack.set(delivery.heldBack);
    this.#steps.reset();
    for (const { state, count } of steps) this.#steps.set({ state }, count);
    this.#setFleet(fleet);
    return this.#registry.metrics();
  }

  /** Per-node series of the nodes a target selects (at most MAX_NODE_SERIES), and nothing else. */
  async scrapeNodes(target: TargetInput): Promise<string> {
    const nodes = await this.sources.nodesOf(target, MAX_NODE_SERIES + 1);
    if (nodes.length > MAX_NODE_SERIES) throw new TooManyNodesError(MAX_NODE_SERIES);
    const latest = new Map((await this.sources.latestOf(nodes.map((node) => node.id))).map((row) => [row.nodeId, row]));
    const registry = new Registry();
    const labelNames = ['cluster', 'node'] as const;
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [registry] });
    const status = new Gauge({
      name: 'opscenter_node_status',
      help: "1 for each node's status, 0 for the others.",
      labelNames: ['cluster', 'node', 'role', 'status'],
      registers: [registry],
    });
    const lastSeen = gauge('opscenter_node_last_seen_timestamp_seconds', "When the node was last in its manager's heartbeat batch (Unix time).");
    const measurements: [Gauge<'cluster' | 'node'>, (row: NodeLatest) => number | null][] = [
      [gauge('opscenter_node_cpu_percent', 'CPU use in percent of one core, while current.'), (row) => row.cpuPercent],
      [gauge('opscenter_node_memory_bytes', 'Resident memory in bytes, while current.'), (row) => row.memoryBytes],
      [gauge('opscenter_node_load1', "The host's one-minute load average, while current."), (row) => row.load1],
      [gauge('opscenter_node_disk_percent', 'Disk space used in percent, while current.'), (row) => row.diskPercent],
    ];
    for (const node of nodes) {
      const row = latest.get(node.id);
      if (!row) continue;
      const labels = { cluster: node.clusterName, node: node.name };
      for (const candidate of STATUSES) status.set({ ...labels, role: node.role, status: candidate }, candidate === row.status ? 1 : 0);
      if (row.lastSeenAt) lastSeen.set(labels, row.lastSeenAt.getTime() / 1000);
      for (const [metric, value] of measurements) {
        const measured = value(row);
        if (measured !== null) metric.set(labels, measured);
      }
    }
    return registry.metrics();
  }

  #setFleet(fleet: ClusterFleet[]): void {
    const { nodes, health, measured, spreads } = this.#clusters;
    for (const gauge of [nodes, health, measured, ...spreads.flatMap(({ avg, max }) => [avg, max])]) gauge.reset();
    for (const cluster of fleet) {
      const name = { cluster: cluster.name };
      for (const status of STATUSES) {
        nodes.set({ ...name, role: 'MANAGER', status }, cluster.managers[status]);
        nodes.set({ ...name, role: 'WORKER', status }, cluster.workers[status]);
      }
      const current = clusterHealth({ workers: cluster.workers, managerStatus: cluster.managerStatus });
      for (const candidate of CLUSTER_HEALTH) health.set({ ...name, health: candidate }, candidate === current ? 1 : 0);
      measured.set(name, cluster.measured);
      for (const { avg, max, of } of spreads) {
        const spread = of(cluster);
        if (spread.avg !== null) avg.set(name, spread.avg);
        if (spread.max !== null) max.set(name, spread.max);
      }
    }
  }
}
