import type { Client } from '@urql/core';
import type { NodeStatusChange, TopologyChange } from '$lib/events/events.graphql';
import type { ResultOf } from '$lib/graphql/graphql';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';
import { changeTags } from '$lib/tags/tags.service';
import { describeLoadError } from '$lib/utils/handle-error';
import { Refresher } from '$lib/utils/refresher';
import { type ClusterNode, ClusterNodesQuery, ClusterQuery } from './clusters.graphql';

export type ClusterDetails = NonNullable<ResultOf<typeof ClusterQuery>['cluster']>;

/** One cluster with all its nodes; statuses change in place from live events. */
export class ClusterView {
  cluster = $state.raw<ClusterDetails | null>(null);
  nodes = $state<ClusterNode[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  #summary = new Refresher(() => this.#loadSummary(), 1_000);

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  load = async (): Promise<void> => {
    try {
      const [{ cluster }, nodes] = await Promise.all([
        fetchQuery(this.client, ClusterQuery, { id: this.id }),
        fetchAllPages(async (after) => (await fetchQuery(this.client, ClusterNodesQuery, { id: this.id, after })).cluster?.nodes ?? null),
      ]);
      const known = new Map(this.nodes.map((node) => [node.id, node]));
      this.cluster = cluster;
      // A live event may be newer than a snapshot that was already on its way.
      this.nodes = nodes.map((node) => {
        const previous = known.get(node.id);
        return previous && Date.parse(previous.statusSince) > Date.parse(node.statusSince)
          ? { ...node, status: previous.status, statusSince: previous.statusSince }
          : node;
      });
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The cluster could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  /** Returns true when the event needs a full reload (a node this view does not know). */
  applyStatus = (event: NodeStatusChange): boolean => {
    if (event.clusterId !== this.id) return false;
    const node = this.nodes.find((candidate) => candidate.id === event.nodeId);
    if (!node) return true;
    if (Date.parse(event.at) >= Date.parse(node.statusSince)) {
      node.status = event.to;
      node.statusSince = event.at;
    }
    this.#summary.request();
    return false;
  };

  concerns = (event: TopologyChange): boolean => event.clusterId === this.id;

  addClusterTag = (tag: string) => this.#changeTags('add', { clusterIds: [this.id], tags: [tag] });
  removeClusterTag = (tag: string) => this.#changeTags('remove', { clusterIds: [this.id], tags: [tag] });
  addNodeTag = (nodeIds: string[], tag: string) => this.#changeTags('add', { nodeIds, tags: [tag] });
  removeNodeTag = (nodeIds: string[], tag: string) => this.#changeTags('remove', { nodeIds, tags: [tag] });

  dispose(): void {
    this.#summary.dispose();
  }

  async #changeTags(action: 'add' | 'remove', input: Parameters<typeof changeTags>[2]): Promise<string | null> {
    const error = await changeTags(this.client, action, input);
    if (!error) await this.load();
    return error;
  }

  async #loadSummary(): Promise<void> {
    try {
      const { cluster } = await fetchQuery(this.client, ClusterQuery, { id: this.id });
      if (cluster) this.cluster = cluster;
    } catch (error) {
      this.error = describeLoadError(error, 'The cluster could not be updated.');
    }
  }
}
