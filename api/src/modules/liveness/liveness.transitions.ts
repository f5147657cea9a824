import type { Executor } from '../../db/client.ts';
import type { EventDraft } from '../../shared/events.ts';
import type { TagsRepository } from '../tags/tags.repository.ts';
import { implicitTags } from '../tags/tags.rules.ts';
import { statusChanged } from './liveness.events.ts';
import type { LivenessRepository } from './liveness.repository.ts';
import type { LivenessTracker, NamedStatusChange, TrackedCluster } from './liveness.tracker.ts';

/** Stores status changes with their history, and builds the events that announce them. */
export class TransitionRecorder {
  constructor(
    private readonly repository: LivenessRepository,
    private readonly tags: TagsRepository,
    private readonly tracker: LivenessTracker,
  ) {}

  /** Call within the change's transaction; publish the returned events with it. */
  async record(tx: Executor, changes: NamedStatusChange[]): Promise<EventDraft[]> {
    await this.repository.setStatuses(tx, changes);
    await this.repository.insertHistory(tx, changes);
    return this.#statusEvents(tx, changes);
  }

  clusterEvent(cluster: TrackedCluster, type: 'CLUSTER_UNREACHABLE' | 'CLUSTER_REACHABLE'): EventDraft {
    return {
      channel: 'topology',
      type,
      clusterId: cluster.id,
      nodeId: null,
      payload: {
        clusterId: cluster.id,
        clusterName: cluster.name,
        tags: [`cluster:${cluster.name.toLowerCase()}`, `product:${cluster.productKind.toLowerCase()}`],
      },
    };
  }

  async #statusEvents(tx: Executor, changes: NamedStatusChange[]): Promise<EventDraft[]> {
    if (changes.length === 0) return [];
    const nodeTags = await this.tags.nodeTagsOf(tx, [...new Set(changes.map((change) => change.nodeId))]);
    const clusterTags = await this.tags.clusterTagsOf(tx, [...new Set(changes.map((change) => change.clusterId))]);
    return changes.flatMap((change) => {
      const cluster = this.tracker.cluster(change.clusterId);
      if (!cluster) return [];
      return [
        statusChanged({
          ...change,
          clusterName: cluster.name,
          tags: [...implicitTags(change, cluster), ...(clusterTags.get(cluster.id) ?? []), ...(nodeTags.get(change.nodeId) ?? [])],
        }),
      ];
    });
  }
}
