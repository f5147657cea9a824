import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { KeyedMutex } from '../../shared/keyed-mutex.ts';
import { SerialPass } from '../../shared/serial-pass.ts';
import type { Transactor } from '../../shared/transactor.ts';
import type { LivenessRepository } from './liveness.repository.ts';
import type { StatsAccumulator } from './liveness.stats.ts';
import { applyVerdict, type LivenessTracker, type NamedStatusChange, type TrackedCluster, type TrackedNode } from './liveness.tracker.ts';
import type { TransitionRecorder } from './liveness.transitions.ts';

export interface LeaseOptions {
  managerLeaseMs: number;
  warmupMs: number;
  statsRetentionMs: number;
}

const STATS_PRUNE_EVERY_MS = 3_600_000;

/**
 * The periodic sweep: managers whose lease ran out make their cluster unreachable (its nodes
 * UNKNOWN, never DOWN); completed stats minutes are written, and old ones pruned. Workers are
 * judged when their manager's batches arrive, not here.
 */
export class LeaseSweeper {
  #startedMono = 0;
  readonly #sweeps = new SerialPass(
    () => this.#sweep(),
    (error) => this.logger.error({ err: error }, 'lease sweep failed'),
  );
  #lastStatsPrune = 0;

  constructor(
    private readonly db: Database,
    private readonly repository: LivenessRepository,
    private readonly tracker: LivenessTracker,
    private readonly recorder: TransitionRecorder,
    private readonly stats: StatsAccumulator,
    private readonly mutex: KeyedMutex,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly options: LeaseOptions,
    private readonly logger: Logger,
  ) {}

  /** After the OC starts, managers get a warm-up before anyone is judged: an OC restart never produces false verdicts. */
  started(): void {
    this.#startedMono = this.clock.monotonic();
  }

  every(intervalMs: number): void {
    this.#sweeps.every(intervalMs);
  }

  /** A sweep that starts after this call. */
  sweep(): Promise<void> {
    return this.#sweeps.run();
  }

  /** Stops sweeping, waits for a sweep under way, then writes every stats minute still held. */
  async finish(): Promise<void> {
    await this.#sweeps.stop();
    await this.flushStats(Number.POSITIVE_INFINITY);
  }

  async flushStats(upToWallMs: number): Promise<void> {
    const rows = this.stats.takeComplete(upToWallMs).filter((row) => this.tracker.isTracked(row.nodeId));
    if (rows.length === 0) return;
    try {
      await this.repository.upsertStats(this.db, rows);
    } catch (error) {
      this.logger.warn({ err: error, rows: rows.length }, 'could not write stats; this minute is lost');
    }
  }

  async #sweep(): Promise<void> {
    const judging = this.clock.monotonic() - this.#startedMono >= this.options.warmupMs;
    for (const cluster of this.tracker.clusters()) {
      if (!judging || !cluster.managerNodeId) continue;
      try {
        await this.mutex.run(cluster.id, () => this.#judgeLease(cluster, this.clock.monotonic()));
      } catch (error) {
        this.logger.error({ err: error, cluster: cluster.name }, 'liveness sweep failed for a cluster');
      }
    }
    const wall = this.clock.now().getTime();
    await this.flushStats(wall);
    if (wall - this.#lastStatsPrune > STATS_PRUNE_EVERY_MS) {
      this.#lastStatsPrune = wall;
      await this.repository.pruneStats(this.db, new Date(wall - this.options.statsRetentionMs)).catch((error) => {
        this.logger.warn({ err: error }, 'stats pruning failed');
      });
    }
  }

  async #judgeLease(cluster: TrackedCluster, now: number): Promise<void> {
    if (this.tracker.cluster(cluster.id) !== cluster || cluster.unreachable) return;
    if (now - cluster.lastContactMono <= this.options.managerLeaseMs) return;
    const wall = this.clock.now();
    const changes: NamedStatusChange[] = [];
    const updates: TrackedNode[] = [];
    for (const node of cluster.nodes.values()) {
      if (node.status === 'UNKNOWN' && node.cause === 'MANAGER_UNREACHABLE') continue;
      const next = { ...node, failingSinceMono: null };
      applyVerdict(next, { status: 'UNKNOWN', cause: 'MANAGER_UNREACHABLE' }, wall, changes);
      updates.push(next);
    }
    await this.transactor.run(null, null, async (work) => {
      work.emit(await this.recorder.clusterEvent(work.tx, cluster, 'CLUSTER_UNREACHABLE'), ...(await this.recorder.record(work.tx, changes)));
    });
    for (const node of updates) cluster.nodes.set(node.id, node);
    cluster.unreachable = true;
  }
}
