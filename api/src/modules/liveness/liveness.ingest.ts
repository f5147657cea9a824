import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { AgentActor } from '../../shared/actor.ts';
import { NotFoundError } from '../../shared/domain-error.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { isUuid } from '../../shared/validation.ts';
import type { RefusalCode } from './liveness.errors.ts';
import { judgeReport, judgeSilence, type LivenessPolicy, reportsFailure } from './liveness.judge.ts';
import type { BatchRow, LivenessRepository } from './liveness.repository.ts';
import { hasStats, type NodeStatsInput, type StatsAccumulator } from './liveness.stats.ts';
import type { ReportedState } from './liveness.table.ts';
import type { TopologyReader } from './liveness.topology.ts';
import { applyVerdict, type LivenessTracker, type NamedStatusChange, type TrackedCluster, type TrackedNode } from './liveness.tracker.ts';
import type { TransitionRecorder } from './liveness.transitions.ts';

/** One node in a batch: what its manager observed, and its measurements (flat, for cheap decoding). */
export interface HeartbeatEntryInput extends NodeStatsInput {
  name?: string | null;
  nodeId?: string | null;
  state: ReportedState;
  version?: string | null;
}

export interface HeartbeatBatchInput {
  sequence: number;
  entries: readonly HeartbeatEntryInput[];
}

export interface HeartbeatRefusal {
  index: number;
  node: string;
  code: RefusalCode;
  message: string;
}

export interface HeartbeatReceipt {
  accepted: number;
  refused: HeartbeatRefusal[];
  /** The batch's sequence was not newer than one already applied; nothing was changed. */
  stale: boolean;
  /** The newest sequence applied from this manager: the batch's own unless it was stale. */
  lastAppliedSequence: number;
  /** For a stale batch: what happened and what to send instead. */
  hint: string | null;
  intervalMs: number;
}

const RELOAD_COOLDOWN_MS = 5_000;

function inRange(value: number | null | undefined, min: number, max: number): boolean {
  return value === null || value === undefined || (Number.isFinite(value) && value >= min && value <= max);
}

function entryProblem(entry: HeartbeatEntryInput): string | null {
  const hasName = entry.name !== null && entry.name !== undefined;
  const hasId = entry.nodeId !== null && entry.nodeId !== undefined;
  if (hasName === hasId) return 'Give exactly one of name or nodeId.';
  if (hasId && !isUuid(entry.nodeId as string)) return 'nodeId is not a valid id.';
  const statsFit =
    inRange(entry.cpuPercent, 0, 100_000) &&
    inRange(entry.memoryBytes, 0, Number.MAX_SAFE_INTEGER) &&
    inRange(entry.load1, 0, 100_000) &&
    inRange(entry.diskPercent, 0, 100) &&
    inRange(entry.uptimeSeconds, 0, Number.MAX_SAFE_INTEGER);
  if (!statsFit) return 'Stats out of range: cpuPercent, load1 and memoryBytes must be ≥ 0, diskPercent 0–100.';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
  if (entry.version && (entry.version.length > 100 || /[\u0000-\u001f]/.test(entry.version))) return 'version must be at most 100 printable characters.';
  return null;
}

/**
 * Applies one manager's heartbeat batch: judges every node it names (and those it leaves out)
 * from the OC's receive time, writes the batch in one statement, and status changes with their
 * history and events. Runs inside the cluster's exclusive section.
 */
export class BatchIngest {
  readonly #maintenanceHealthyListeners: ((clusterId: string) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: LivenessRepository,
    private readonly topology: TopologyReader,
    private readonly tracker: LivenessTracker,
    private readonly recorder: TransitionRecorder,
    private readonly stats: StatsAccumulator,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly policy: LivenessPolicy,
  ) {}

  /** Called after a batch that shows a node in maintenance healthy, so operations need not wait for their next tick. */
  onMaintenanceHealthy(listener: (clusterId: string) => void): void {
    this.#maintenanceHealthyListeners.push(listener);
  }

  /** `foreign` collects the ids of entries naming nodes of other clusters. */
  async apply(actor: AgentActor, input: HeartbeatBatchInput, foreign: string[]): Promise<HeartbeatReceipt> {
    const cluster = this.tracker.cluster(actor.clusterId);
    if (!cluster) throw new NotFoundError('cluster', actor.clusterId);
    const receipt: HeartbeatReceipt = {
      accepted: 0,
      refused: [],
      stale: false,
      lastAppliedSequence: input.sequence,
      hint: null,
      intervalMs: this.policy.intervalMs,
    };
    if (cluster.lastSequence === undefined && cluster.managerNodeId) cluster.lastSequence = await this.repository.lastSequence(this.db, cluster.managerNodeId);
    const last = cluster.lastSequence;
    if (last !== null && last !== undefined && input.sequence <= last) {
      const hint =
        `Sequence ${input.sequence} is not newer than ${last}, the last one applied from this manager, so nothing was changed. ` +
        `Sequences must keep growing across agent restarts: continue after ${last} (the bundled agent counts from the time it starts).`;
      return { ...receipt, stale: true, lastAppliedSequence: last, hint };
    }

    const resolved = await this.#resolveEntries(cluster, input.entries, receipt.refused, foreign);
    const now = this.clock.monotonic();
    const wall = this.clock.now();
    const recovering = cluster.unreachable;
    // Silence is counted only across batches this OC received: after its own start, or while the
    // manager was away, nobody had the chance to report, so every node starts a fresh window.
    const baseline = (node: TrackedNode): TrackedNode =>
      cluster.awaitingFirstBatch || recovering ? { ...node, lastReportMono: now, failingSinceMono: null } : { ...node };
    const next = new Map<string, TrackedNode>([...cluster.nodes.values()].map((node) => [node.id, baseline(node)]));
    const reports = new Map<string, HeartbeatEntryInput | null>();
    const changes: NamedStatusChange[] = [];

    for (const { node, entry } of resolved) reports.set(node.id, entry);
    // The batch itself proves the manager is alive even if it did not list itself.
    if (cluster.managerNodeId && next.has(cluster.managerNodeId) && !reports.has(cluster.managerNodeId)) reports.set(cluster.managerNodeId, null);
    for (const node of next.values()) if (!reports.has(node.id)) node.healthySinceMono = null;
    for (const [nodeId, entry] of reports) {
      const node = next.get(nodeId) as TrackedNode;
      const state = entry?.state ?? 'HEALTHY';
      node.lastReportMono = now;
      if (state === 'HEALTHY') node.failingSinceMono = null;
      else if (reportsFailure(node.status, state)) node.failingSinceMono ??= now;
      node.healthySinceMono = state === 'HEALTHY' ? (node.healthySinceMono ?? now) : null;
      const verdict = judgeReport(node, state);
      if (verdict) applyVerdict(node, verdict, wall, changes);
    }
    for (const node of next.values()) {
      const verdict = node.id === cluster.managerNodeId ? null : judgeSilence(node, now, this.policy);
      if (verdict) applyVerdict(node, verdict, wall, changes);
    }

    const rows = [...reports].map(([nodeId, entry]) => this.#row(nodeId, entry, wall.getTime()));
    if (changes.length === 0 && !recovering) {
      await this.repository.applyBatch(this.db, cluster.id, input.sequence, wall, rows);
    } else {
      await this.transactor.run(null, null, async (work) => {
        await this.repository.applyBatch(work.tx, cluster.id, input.sequence, wall, rows);
        if (recovering) work.emit(await this.recorder.clusterEvent(work.tx, cluster, 'CLUSTER_REACHABLE'));
        work.emit(...(await this.recorder.record(work.tx, changes)));
      });
    }

    for (const [id, node] of next) cluster.nodes.set(id, node);
    if ([...next.values()].some((node) => node.status === 'MAINTENANCE' && node.healthySinceMono !== null)) {
      for (const listener of this.#maintenanceHealthyListeners) listener(cluster.id);
    }
    cluster.unreachable = false;
    cluster.awaitingFirstBatch = false;
    cluster.lastContactMono = now;
    cluster.lastSequence = input.sequence;
    receipt.accepted = resolved.length;
    return receipt;
  }

  /** What the batch statement writes for one node; its measurements also go to the minute series. */
  #row(nodeId: string, entry: HeartbeatEntryInput | null, wallMs: number): BatchRow {
    // A stopped node has no measurements of its own: its last ones stay, as what was last known.
    const stats = entry && entry.state !== 'STOPPED' && hasStats(entry) ? entry : null;
    if (stats) this.stats.add(nodeId, stats, wallMs);
    const whole = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(value));
    return {
      nodeId,
      state: entry?.state ?? 'HEALTHY',
      cpu: stats?.cpuPercent ?? null,
      mem: whole(stats?.memoryBytes),
      load: stats?.load1 ?? null,
      disk: stats?.diskPercent ?? null,
      uptime: whole(stats?.uptimeSeconds),
      version: entry?.version ?? null,
    };
  }

  async #resolveEntries(cluster: TrackedCluster, entries: readonly HeartbeatEntryInput[], refused: HeartbeatRefusal[], foreign: string[]) {
    const resolved: { node: TrackedNode; entry: HeartbeatEntryInput; index: number }[] = [];
    const seen = new Set<string>();
    let unknown: { entry: HeartbeatEntryInput; index: number }[] = [];
    const refuse = (index: number, entry: HeartbeatEntryInput, code: RefusalCode, message: string) =>
      refused.push({ index, node: String(entry.name ?? entry.nodeId ?? ''), code, message });

    const place = (entry: HeartbeatEntryInput, index: number, final: boolean) => {
      const nodeId = entry.nodeId ? entry.nodeId.toLowerCase() : cluster.byName.get(entry.name ?? '');
      const node = nodeId ? cluster.nodes.get(nodeId) : undefined;
      if (!node) {
        const elsewhere = nodeId ? this.tracker.clusterOf(nodeId) : undefined;
        const ofAnotherCluster = elsewhere !== undefined && elsewhere !== cluster.id;
        if (ofAnotherCluster) foreign.push(nodeId as string);
        if (ofAnotherCluster || final) {
          refuse(
            index,
            entry,
            'UNKNOWN_NODE',
            `No node ${entry.name ? `named "${entry.name}"` : entry.nodeId} in cluster ${cluster.name}; report membership first.`,
          );
        } else {
          unknown.push({ entry, index });
        }
        return;
      }
      if (seen.has(node.id)) {
        refuse(index, entry, 'DUPLICATE_ENTRY', `Node ${node.name} appears more than once in this batch.`);
        return;
      }
      seen.add(node.id);
      resolved.push({ node, entry, index });
    };

    entries.forEach((entry, index) => {
      const problem = entryProblem(entry);
      if (problem) refuse(index, entry, 'INVALID_ENTRY', problem);
      else place(entry, index, false);
    });
    if (unknown.length > 0) {
      // A node named in a batch may have joined through another path; read the cluster back once in a while.
      const now = this.clock.monotonic();
      if (now - cluster.lastReloadMono >= RELOAD_COOLDOWN_MS) {
        cluster.lastReloadMono = now;
        this.tracker.addMissing(cluster.id, await this.topology.tracked(cluster.id));
      }
      const retry = unknown;
      unknown = [];
      for (const { entry, index } of retry) place(entry, index, true);
    }
    refused.sort((a, b) => a.index - b.index);
    return resolved;
  }
}
