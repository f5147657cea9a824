import type { Clock } from '../../clock.ts';
import type { UnitOfWork } from '../../shared/transactor.ts';
import type { Verdict } from './liveness.judge.ts';
import { applyVerdict, type LivenessTracker, type NamedStatusChange, type TrackedNode } from './liveness.tracker.ts';
import type { TransitionRecorder } from './liveness.transitions.ts';

/**
 * Planned downtime for operations: a node an operation takes down is MAINTENANCE, linked to it,
 * until the operation lets it go. Call inside the cluster's exclusive section, within the
 * operation's transaction; the tracker changes once that commits.
 */
export class Maintenance {
  constructor(
    private readonly tracker: LivenessTracker,
    private readonly recorder: TransitionRecorder,
    private readonly clock: Clock,
  ) {}

  async enter(work: UnitOfWork, clusterId: string, nodeIds: string[], operationId: string): Promise<void> {
    await this.#change(work, clusterId, nodeIds, operationId, (node) =>
      node.status === 'MAINTENANCE' || node.status === 'LEFT' ? null : { status: 'MAINTENANCE', cause: 'OPERATION_STARTED' },
    );
  }

  /** UP if the node reports healthy, otherwise SUSPECT, from where normal judging goes on. */
  async exit(work: UnitOfWork, clusterId: string, nodeIds: string[], operationId: string): Promise<void> {
    await this.#change(work, clusterId, nodeIds, operationId, (node) => {
      if (node.status !== 'MAINTENANCE') return null;
      if (node.healthySinceMono !== null) return { status: 'UP', cause: 'OPERATION_FINISHED' };
      return { status: 'SUSPECT', cause: node.failingSinceMono !== null ? 'REPORTED_FAILURE' : 'MISSED_HEARTBEATS' };
    });
  }

  async #change(work: UnitOfWork, clusterId: string, nodeIds: string[], operationId: string, decide: (node: TrackedNode) => Verdict | null) {
    const cluster = this.tracker.cluster(clusterId);
    if (!cluster) return;
    const wall = this.clock.now();
    const changes: NamedStatusChange[] = [];
    const updates: TrackedNode[] = [];
    for (const nodeId of nodeIds) {
      const node = cluster.nodes.get(nodeId);
      const verdict = node ? decide(node) : null;
      if (!node || !verdict) continue;
      const next = { ...node, healthySinceMono: verdict.status === 'MAINTENANCE' ? null : node.healthySinceMono };
      applyVerdict(next, verdict, wall, changes);
      updates.push(next);
    }
    for (const change of changes) change.operationId = operationId;
    work.emit(...(await this.recorder.record(work.tx, changes)));
    work.afterCommit.push(() => {
      for (const node of updates) if (cluster.nodes.has(node.id)) cluster.nodes.set(node.id, node);
    });
  }
}
