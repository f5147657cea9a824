import type { Executor } from '../../db/client.ts';
import type { EventDraft } from '../../shared/events.ts';
import { type TopologyEvent, topologyEvent } from '../../shared/topology-events.ts';
import type { TagsService } from '../tags/tags.service.ts';
import { statusChanged } from './liveness.events.ts';
import type { LivenessRepository } from './liveness.repository.ts';
import type { LivenessTracker, NamedStatusChange, TrackedCluster } from './liveness.tracker.ts';

/** Stores status changes with their history, and builds the events that announce them. */
export class TransitionRecorder {
  constructor(
    private readonly repository: LivenessRepository,
    private readonly tags: TagsService,
    private readonly tracker: LivenessTracker,
  ) {}

  /** Call within the change's transaction; publish the returned events with it. */
  async record(tx: Executor, changes: NamedStatusChange[]): Promise<EventDraft[]> {
    await this.repository.setStatuses(tx, changes);
    await this.repository.insertHistory(tx, changes);
    return this.#statusEvents(tx, changes);
  }

  async clusterEvent(tx: Executor, cluster: TrackedCluster, type: 'CLUSTER_UNREACHABLE' | 'CLUSTER_REACHABLE'): Promise<TopologyEvent> {
    return topologyEvent(type, { clusterId: cluster.id, clusterName: cluster.name, tags: await this.tags.clusterEventTags(tx, cluster) });
  }

  async #statusEvents(tx: Executor, changes: NamedStatusChange[]): Promise<EventDraft[]> {
    if (changes.length === 0) return [];
    const clusters = new Map<string, TrackedCluster>();
    for (const change of changes) {
      const cluster = this.tracker.cluster(change.clusterId);
      if (cluster) clusters.set(cluster.id, cluster);
    }
    const tags = await this.tags.effectiveTagsAcross(
      tx,
      clusters,
      changes.map((change) => ({ id: change.nodeId, role: change.role, clusterId: change.clusterId })),
    );
    return changes.flatMap((change) => {
      const cluster = clusters.get(change.clusterId);
      if (!cluster) return [];
      return [statusChanged({ ...change, clusterName: cluster.name, tags: tags.get(change.nodeId) ?? [] })];
    });
  }
}
