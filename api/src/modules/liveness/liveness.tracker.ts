import type { Clock } from '../../clock.ts';
import type { NodeLiveness, Verdict } from './liveness.judge.ts';
import type { StatusChange } from './liveness.repository.ts';
import type { NodeStatus, StatusCause } from './liveness.table.ts';
import type { ClusterInfoRow, TrackedRow } from './liveness.topology.ts';

/** A status change with what an event about it needs to say. */
export interface NamedStatusChange extends StatusChange {
  nodeName: string;
  role: 'MANAGER' | 'WORKER';
}

export interface TrackedNodeInput {
  nodeId: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  status: NodeStatus;
  cause: StatusCause;
  since: Date;
}

export interface TrackedNode extends NodeLiveness {
  id: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  clusterId: string;
  since: Date;
  /** Since when every batch has reported the node healthy (null: not healthy now). */
  healthySinceMono: number | null;
}

export interface TrackedCluster {
  id: string;
  name: string;
  productKind: string;
  managerNodeId: string | null;
  /** When the manager was last heard from; its lease runs from here. */
  lastContactMono: number;
  /** The newest batch sequence applied; undefined until read back after a restart. */
  lastSequence: number | null | undefined;
  unreachable: boolean;
  /** No batch has arrived since this OC started tracking the cluster. */
  awaitingFirstBatch: boolean;
  nodes: Map<string, TrackedNode>;
  byName: Map<string, string>;
  lastReloadMono: number;
}

/** What an operation needs to know about a node. */
export interface NodeCondition {
  nodeId: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  status: NodeStatus;
  /** Since when (monotonic) every batch has reported the node healthy; null while it is not. */
  healthySinceMono: number | null;
  /** When (monotonic) a batch from its manager last included it. */
  lastReportMono: number;
}

/**
 * Applies a verdict to a tracked node and records the change; nothing when the status stays.
 * The node is a copy the caller swaps in once the change is stored.
 */
export function applyVerdict(node: TrackedNode, verdict: Verdict, at: Date, changes: NamedStatusChange[]): void {
  if (node.status === verdict.status) return;
  changes.push({
    nodeId: node.id,
    nodeName: node.name,
    role: node.role,
    clusterId: node.clusterId,
    from: node.status,
    to: verdict.status,
    cause: verdict.cause,
    at,
  });
  node.status = verdict.status;
  node.cause = verdict.cause;
  node.since = at;
}

/**
 * The judge's copy of the topology: every cluster and the nodes it tracks, with their liveness
 * timings on the OC's monotonic clock. The database mirrors it; this is what verdicts use.
 */
export class LivenessTracker {
  readonly #clusters = new Map<string, TrackedCluster>();
  readonly #clusterOfNode = new Map<string, string>();

  constructor(private readonly clock: Clock) {}

  get nodeCount(): number {
    return this.#clusterOfNode.size;
  }

  clusters(): TrackedCluster[] {
    return [...this.#clusters.values()];
  }

  cluster(clusterId: string): TrackedCluster | undefined {
    return this.#clusters.get(clusterId);
  }

  /** The cluster a node belongs to, whichever cluster that is. */
  clusterOf(nodeId: string): string | undefined {
    return this.#clusterOfNode.get(nodeId);
  }

  isTracked(nodeId: string): boolean {
    return this.#clusterOfNode.has(nodeId);
  }

  upsertCluster(info: ClusterInfoRow): TrackedCluster {
    const existing = this.#clusters.get(info.id);
    if (existing) {
      existing.name = info.name;
      existing.productKind = info.productKind;
      existing.managerNodeId = info.managerNodeId;
      return existing;
    }
    const cluster: TrackedCluster = {
      id: info.id,
      name: info.name,
      productKind: info.productKind,
      managerNodeId: info.managerNodeId,
      lastContactMono: this.clock.monotonic(),
      lastSequence: undefined,
      unreachable: false,
      awaitingFirstBatch: true,
      nodes: new Map(),
      byName: new Map(),
      lastReloadMono: Number.NEGATIVE_INFINITY,
    };
    this.#clusters.set(info.id, cluster);
    return cluster;
  }

  /** `managerEnrolled`: a manager (re)registered, so its batch sequence and lease start over. */
  clusterChanged(info: ClusterInfoRow, managerEnrolled: boolean): void {
    const managerChanged = managerEnrolled || this.#clusters.get(info.id)?.managerNodeId !== info.managerNodeId;
    const cluster = this.upsertCluster(info);
    if (managerChanged) {
      cluster.lastContactMono = this.clock.monotonic();
      cluster.lastSequence = null;
      cluster.unreachable = false;
    }
  }

  /** Forgets a cluster; returns the ids of the nodes it tracked. */
  removeCluster(clusterId: string): string[] {
    const nodeIds = [...(this.#clusters.get(clusterId)?.nodes.keys() ?? [])];
    for (const nodeId of nodeIds) this.#clusterOfNode.delete(nodeId);
    this.#clusters.delete(clusterId);
    return nodeIds;
  }

  addNode(clusterId: string, input: TrackedNodeInput): void {
    const cluster = this.#clusters.get(clusterId);
    if (!cluster || input.status === 'LEFT') return;
    cluster.nodes.set(input.nodeId, {
      id: input.nodeId,
      name: input.name,
      role: input.role,
      clusterId,
      status: input.status,
      cause: input.cause,
      since: input.since,
      lastReportMono: this.clock.monotonic(),
      failingSinceMono: null,
      healthySinceMono: null,
    });
    cluster.byName.set(input.name, input.nodeId);
    this.#clusterOfNode.set(input.nodeId, clusterId);
  }

  /** Adds the nodes of a read-back that this copy does not know yet (joined through another path). */
  addMissing(clusterId: string, rows: TrackedRow[]): void {
    const cluster = this.#clusters.get(clusterId);
    for (const row of rows) {
      if (cluster?.nodes.has(row.nodeId)) continue;
      this.addNode(row.clusterId, {
        nodeId: row.nodeId,
        name: row.nodeName,
        role: row.role,
        status: row.status,
        cause: row.statusCause,
        since: row.statusSince,
      });
    }
  }

  removeNodes(clusterId: string, nodeIds: string[]): void {
    const cluster = this.#clusters.get(clusterId);
    for (const nodeId of nodeIds) {
      const node = cluster?.nodes.get(nodeId);
      if (node) cluster?.byName.delete(node.name);
      cluster?.nodes.delete(nodeId);
      this.#clusterOfNode.delete(nodeId);
    }
  }

  /** The nodes of a cluster as the judge sees them now; `reachable` is false while its manager's lease has run out. */
  conditions(clusterId: string): { reachable: boolean; nodes: NodeCondition[] } {
    const cluster = this.#clusters.get(clusterId);
    if (!cluster) return { reachable: false, nodes: [] };
    return {
      reachable: !cluster.unreachable,
      nodes: [...cluster.nodes.values()].map((node) => ({
        nodeId: node.id,
        name: node.name,
        role: node.role,
        status: node.status,
        healthySinceMono: node.healthySinceMono,
        lastReportMono: node.lastReportMono,
      })),
    };
  }
}
