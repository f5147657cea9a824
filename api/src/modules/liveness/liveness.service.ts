import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { AgentActor, RequestMeta } from '../../shared/actor.ts';
import { ValidationError } from '../../shared/domain-error.ts';
import type { EventDraft } from '../../shared/events.ts';
import { KeyedMutex } from '../../shared/keyed-mutex.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import type { TagsService } from '../tags/tags.service.ts';
import { BatchTooLargeError } from './liveness.errors.ts';
import { BatchIngest, type HeartbeatBatchInput, type HeartbeatReceipt } from './liveness.ingest.ts';
import type { LivenessPolicy } from './liveness.judge.ts';
import { LeaseSweeper } from './liveness.lease.ts';
import { Maintenance } from './liveness.maintenance.ts';
import type { LivenessRepository, StatColumn } from './liveness.repository.ts';
import { StatsAccumulator } from './liveness.stats.ts';
import type { NodeStatsRow, NodeStatus, ReportedState, StatusCause, StatusHistoryRow } from './liveness.table.ts';
import { type ClusterInfoRow, TopologyReader, type TopologySource } from './liveness.topology.ts';
import { LivenessTracker, type NamedStatusChange, type NodeCondition, type TrackedNodeInput } from './liveness.tracker.ts';
import { TransitionRecorder } from './liveness.transitions.ts';

export type { HeartbeatBatchInput, HeartbeatEntryInput, HeartbeatReceipt, HeartbeatRefusal } from './liveness.ingest.ts';
export type { NamedStatusChange, NodeCondition, TrackedNodeInput } from './liveness.tracker.ts';

export interface LivenessOptions extends LivenessPolicy {
  managerLeaseMs: number;
  warmupMs: number;
  sweepIntervalMs: number;
  maxBatch: number;
  statsRetentionMs: number;
}

/** What handling one heartbeat batch came to, for whoever watches the OC's own health. */
export interface BatchObservation {
  accepted: number;
  refused: number;
  stale: boolean;
  /** From the batch's arrival to its receipt, waiting for the cluster's turn included. */
  durationMs: number;
}

/** The highest and average of one measurement over a cluster's nodes that report it now. */
export interface MeasurementSpread {
  avg: number | null;
  max: number | null;
}

/** One cluster of the fleet summed up: its nodes by role and status, and its current measurements. */
export interface ClusterFleet {
  clusterId: string;
  name: string;
  /** Null until a manager has registered. */
  managerStatus: NodeStatus | null;
  workers: Record<NodeStatus, number>;
  managers: Record<NodeStatus, number>;
  /** Nodes whose measurements are current. */
  measured: number;
  cpuPercent: MeasurementSpread;
  memoryBytes: MeasurementSpread;
  diskPercent: MeasurementSpread;
}

/** The statuses of nodes that are heard from, whose latest measurements may be current. */
const MEASURED_STATUSES: ReadonlySet<NodeStatus> = new Set(['UP', 'SUSPECT', 'MAINTENANCE']);

const emptyCounts = (): Record<NodeStatus, number> => ({ UP: 0, SUSPECT: 0, DOWN: 0, UNKNOWN: 0, MAINTENANCE: 0, LEFT: 0 });

/** The longest window of per-minute measurements one request may read. */
const STATS_WINDOW_MAX_MS = 7 * 86_400_000;

/**
 * Heartbeat-based liveness (DESIGN section 5). The judge's state lives in memory (the tracker),
 * timed on the OC's monotonic clock; the database mirrors it (one narrow row per node) and keeps
 * the history of transitions. Everything for one cluster runs one at a time, so a verdict is
 * never computed from state another change is rewriting. The parts: batch ingest, the lease
 * sweep, maintenance for operations, and the per-minute stats.
 */
export class LivenessService {
  readonly #mutex = new KeyedMutex();
  readonly #tracker: LivenessTracker;
  readonly #stats = new StatsAccumulator();
  readonly #recorder: TransitionRecorder;
  readonly #ingest: BatchIngest;
  readonly #sweeper: LeaseSweeper;
  readonly #maintenance: Maintenance;
  readonly #topology: TopologyReader;
  readonly #batchListeners: ((batch: BatchObservation) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: LivenessRepository,
    tags: TagsService,
    topology: TopologySource,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly options: LivenessOptions,
    private readonly logger: Logger,
  ) {
    this.#tracker = new LivenessTracker(clock);
    this.#topology = new TopologyReader(db, topology, repository);
    this.#recorder = new TransitionRecorder(repository, tags, this.#tracker);
    this.#ingest = new BatchIngest(db, repository, this.#topology, this.#tracker, this.#recorder, this.#stats, transactor, clock, options);
    this.#sweeper = new LeaseSweeper(db, repository, this.#tracker, this.#recorder, this.#stats, this.#mutex, transactor, clock, options, logger);
    this.#maintenance = new Maintenance(this.#tracker, this.#recorder, clock);
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  async start(): Promise<void> {
    this.#sweeper.started();
    const clusters = await this.#topology.clusters();
    for (const info of clusters) this.#tracker.upsertCluster(info);
    for (const row of await this.#topology.tracked()) {
      this.#tracker.addNode(row.clusterId, {
        nodeId: row.nodeId,
        name: row.nodeName,
        role: row.role,
        status: row.status,
        cause: row.statusCause,
        since: row.statusSince,
      });
    }
    this.#sweeper.every(this.options.sweepIntervalMs);
    this.logger.info({ clusters: clusters.length, nodes: this.#tracker.nodeCount, warmupMs: this.options.warmupMs }, 'liveness started');
  }

  /** Stops judging and writes what is still held in memory (partial stats minutes). */
  async stop(): Promise<void> {
    await this.#mutex.idle();
    await this.#sweeper.finish();
  }

  /** Runs `work` while no heartbeat, sweep or other topology change of the cluster runs. */
  exclusive<T>(clusterId: string, work: () => Promise<T>): Promise<T> {
    return this.#mutex.run(clusterId, work);
  }

  /** Checks every manager's lease and writes completed stats minutes (the timer does this; tests call it). */
  sweep(): Promise<void> {
    return this.#sweeper.sweep();
  }

  // --- topology hooks, called by the owning services inside exclusive() after their commit ---

  clusterChanged(info: ClusterInfoRow, managerEnrolled = false): void {
    this.#tracker.clusterChanged(info, managerEnrolled);
  }

  clusterRemoved(clusterId: string): void {
    for (const nodeId of this.#tracker.removeCluster(clusterId)) this.#stats.forget(nodeId);
  }

  nodesTracked(clusterId: string, nodes: TrackedNodeInput[]): void {
    for (const node of nodes) this.#tracker.addNode(clusterId, node);
  }

  nodesUntracked(clusterId: string, nodeIds: string[]): void {
    this.#tracker.removeNodes(clusterId, nodeIds);
    for (const nodeId of nodeIds) this.#stats.forget(nodeId);
  }

  /**
   * Writes status changes decided outside liveness (a node left or rejoined) with their history,
   * and returns the events to publish with them. Call inside exclusive(), within the change's
   * transaction.
   */
  recordTransitions(tx: Executor, changes: NamedStatusChange[]): Promise<EventDraft[]> {
    return this.#recorder.record(tx, changes);
  }

  /** Starts (or restarts) the liveness of nodes that joined or rejoined, within the caller's transaction. */
  initializeNodes(tx: Executor, rows: { nodeId: string; clusterId: string; status: NodeStatus; cause: StatusCause; at: Date }[]): Promise<void> {
    return this.repository.initialize(tx, rows);
  }

  /** The stored status of each node, within the caller's transaction. */
  statusesOf(tx: Executor, nodeIds: string[]): Promise<Map<string, NodeStatus>> {
    return this.repository.statusesOf(tx, nodeIds);
  }

  /** How many nodes have each status, over the whole fleet. */
  async statusCounts(): Promise<Record<NodeStatus, number>> {
    const counts = emptyCounts();
    for (const row of await this.repository.statusCounts(this.db)) counts[row.status] = row.count;
    return counts;
  }

  // --- for operations ---

  onMaintenanceHealthy(listener: (clusterId: string) => void): void {
    this.#ingest.onMaintenanceHealthy(listener);
  }

  conditions(clusterId: string): { reachable: boolean; nodes: NodeCondition[] } {
    return this.#tracker.conditions(clusterId);
  }

  /** Takes nodes down on purpose: MAINTENANCE (planned), linked to the operation, until exitMaintenance. */
  enterMaintenance(work: UnitOfWork, clusterId: string, nodeIds: string[], operationId: string): Promise<void> {
    return this.#maintenance.enter(work, clusterId, nodeIds, operationId);
  }

  /** Ends maintenance: UP if the node reports healthy, otherwise SUSPECT, from where normal judging goes on. */
  exitMaintenance(work: UnitOfWork, clusterId: string, nodeIds: string[], operationId: string): Promise<void> {
    return this.#maintenance.exit(work, clusterId, nodeIds, operationId);
  }

  // --- heartbeats ---

  /** Called after every batch that was applied or found stale (not one refused whole). */
  onBatch(listener: (batch: BatchObservation) => void): void {
    this.#batchListeners.push(listener);
  }

  /**
   * Applies a manager's batch. Entries naming nodes of another cluster are refused like unknown
   * ones, so a credential learns nothing about other clusters; one audit row per batch records them.
   */
  async ingest(meta: RequestMeta, input: HeartbeatBatchInput): Promise<HeartbeatReceipt> {
    const actor = meta.actor as AgentActor;
    if (!Number.isSafeInteger(input.sequence) || input.sequence < 0)
      throw new ValidationError('INVALID_ARGUMENT', 'sequence must be a non-negative whole number that grows with every batch.', 'sequence');
    if (input.entries.length > this.options.maxBatch) throw new BatchTooLargeError(input.entries.length, this.options.maxBatch);
    const started = this.clock.monotonic();
    const foreign: string[] = [];
    const receipt = await this.exclusive(actor.clusterId, () => this.#ingest.apply(actor, input, foreign));
    if (foreign.length > 0) {
      await this.transactor.recordOutcome(
        meta,
        { action: 'heartbeats.send', targetType: 'cluster', targetId: actor.clusterId, args: { foreignNodes: foreign.slice(0, 20), count: foreign.length } },
        'DENIED',
        'NOT_IN_CLUSTER',
        `${foreign.length} heartbeat ${foreign.length === 1 ? 'entry names a node' : 'entries name nodes'} of another cluster; refused as unknown`,
      );
    }
    const observation: BatchObservation = {
      accepted: receipt.accepted,
      refused: receipt.refused.length,
      stale: receipt.stale,
      durationMs: this.clock.monotonic() - started,
    };
    for (const listener of this.#batchListeners) listener(observation);
    return receipt;
  }

  // --- reading ---

  /**
   * Whether a node's latest measurements are live figures: it is being heard from (UP, SUSPECT or
   * in MAINTENANCE), running, and they are more recent than the silence that makes a node
   * SUSPECT. Otherwise they are its last known values.
   */
  measurementsCurrent(node: { status: NodeStatus; reportedState: ReportedState | null; statsReportedAt: Date | null }): boolean {
    if (node.statsReportedAt === null || node.reportedState === 'STOPPED') return false;
    if (!MEASURED_STATUSES.has(node.status)) return false;
    return this.clock.now().getTime() - node.statsReportedAt.getTime() < this.options.suspectAfter * this.options.intervalMs;
  }

  /**
   * Every cluster summed up from one aggregate query (plus the list of clusters, for their names and
   * managers), so reading it costs the same at ten nodes as at a hundred thousand.
   */
  async fleetByCluster(): Promise<ClusterFleet[]> {
    const clusters = await this.#topology.clusters();
    const managerIds = clusters.flatMap((cluster) => (cluster.managerNodeId ? [cluster.managerNodeId] : []));
    const rows = await this.repository.clusterAggregates(this.db, managerIds, this.#measuredSince());
    const byCluster = new Map(clusters.map((cluster) => [cluster.id, { cluster, rows: [] as typeof rows }]));
    for (const row of rows) byCluster.get(row.clusterId)?.rows.push(row);
    return [...byCluster.values()].map(({ cluster, rows: groups }) => {
      const workers = emptyCounts();
      const managers = emptyCounts();
      for (const group of groups) (group.manager ? managers : workers)[group.status] += group.nodes;
      // Current as measurementsCurrent() has it: fresh, from a node that is heard from.
      const current = groups.filter((group) => group.fresh && MEASURED_STATUSES.has(group.status));
      const spread = (sum: 'cpuSum' | 'memorySum' | 'diskSum', counted: 'cpuCount' | 'memoryCount' | 'diskCount', max: 'cpuMax' | 'memoryMax' | 'diskMax') => {
        const count = current.reduce((total, group) => total + group[counted], 0);
        const highest = current.reduce<number | null>((top, group) => (group[max] === null ? top : Math.max(top ?? group[max], group[max])), null);
        return { avg: count === 0 ? null : current.reduce((total, group) => total + (group[sum] ?? 0), 0) / count, max: highest };
      };
      const manager = groups.find((group) => group.manager);
      return {
        clusterId: cluster.id,
        name: cluster.name,
        managerStatus: cluster.managerNodeId ? (manager?.status ?? null) : null,
        workers,
        managers,
        measured: current.reduce((total, group) => total + group.nodes, 0),
        cpuPercent: spread('cpuSum', 'cpuCount', 'cpuMax'),
        memoryBytes: spread('memorySum', 'memoryCount', 'memoryMax'),
        diskPercent: spread('diskSum', 'diskCount', 'diskMax'),
      };
    });
  }

  /** The latest status and current measurements of these nodes (a measurement that is not current is null). */
  async latestOf(nodeIds: string[]) {
    return (await this.repository.latestOf(this.db, nodeIds)).map((row) => {
      const current = this.measurementsCurrent(row);
      return {
        nodeId: row.nodeId,
        status: row.status,
        lastSeenAt: row.lastSeenAt,
        cpuPercent: current ? row.cpuPercent : null,
        memoryBytes: current ? row.memoryBytes : null,
        load1: current ? row.load1 : null,
        diskPercent: current ? row.diskPercent : null,
      };
    });
  }

  /** Measurements older than this are last known values, not current ones (see measurementsCurrent). */
  #measuredSince(): Date {
    return new Date(this.clock.now().getTime() - this.options.suspectAfter * this.options.intervalMs);
  }

  /** A node's status transitions, newest first. */
  /**
   * The status history availability is computed from: each node's last transition before the
   * window (its status when it opens), the transitions within it, and each node's first one from
   * its start (for nodes with no earlier history, its `from` is the status they had).
   */
  async historyAround(nodeIds: string[], since: Date, until: Date) {
    const [before, within, after] = await Promise.all([
      this.repository.lastTransitionBefore(this.db, nodeIds, since),
      this.repository.transitionsWithin(this.db, nodeIds, since, until),
      this.repository.firstTransitionFrom(this.db, nodeIds, since),
    ]);
    return { before, within, after };
  }

  async history(nodeId: string, pageArgs: PageArgs): Promise<Page<StatusHistoryRow>> {
    const request = checkPage(pageArgs, 1);
    const rows = await this.repository.history(this.db, nodeId, request.first + 1, request.after ? Number(request.after[0]) : undefined);
    return toPage(
      rows,
      request,
      (row) => [row.id],
      () => this.repository.countHistory(this.db, nodeId),
    );
  }

  /** While a node is in MAINTENANCE: the operation that took it there. */
  async maintenanceOperation(nodeId: string): Promise<string | null> {
    return (await this.maintenanceOperations([nodeId])).get(nodeId) ?? null;
  }

  /** The same for many nodes, in one query: node id to operation id. */
  maintenanceOperations(nodeIds: readonly string[]): Promise<Map<string, string | null>> {
    return this.repository.latestOperations(this.db, nodeIds);
  }

  /** Nodes whose average of a measurement over the window since `since` is above a threshold. */
  averagesAbove(nodeIds: readonly string[] | null, metric: StatColumn, since: Date, above: number) {
    return this.repository.averagesAbove(this.db, nodeIds, metric, since, above);
  }

  /** Each node's per-minute series of one measurement since `since`. */
  seriesOf(nodeIds: readonly string[] | null, metric: StatColumn, since: Date) {
    return this.repository.seriesOf(this.db, nodeIds, metric, since);
  }

  /** A node's measurements per minute, in a window of at most 7 days ending at `until` (default now; the window defaults to the last hour). */
  statsSeries(nodeId: string, window: { since?: Date | null; until?: Date | null }): Promise<NodeStatsRow[]> {
    const until = window.until ?? this.clock.now();
    const since = window.since ?? new Date(until.getTime() - 3_600_000);
    if (since > until || until.getTime() - since.getTime() > STATS_WINDOW_MAX_MS)
      throw new ValidationError('INVALID_ARGUMENT', 'The window must start before it ends and span at most 7 days.', 'since');
    return this.repository.statsSeries(this.db, nodeId, since, until);
  }
}
