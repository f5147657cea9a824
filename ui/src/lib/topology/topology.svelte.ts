import type { Client } from '@urql/core';
import { type ClusterSummary, ClustersQuery } from '$lib/clusters/clusters.graphql';
import type { NodeStatusChange, TopologyChange } from '$lib/events/events.graphql';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { Refresher } from '$lib/utils/refresher';
import { TopologyClusterNodesQuery, TopologyClusterSummaryQuery, type TopologyNodeData, TopologyNodesQuery } from './topology.graphql';

export type TopologyNode = TopologyNodeData & { clusterName: string };

export interface TopologyCluster {
  summary: ClusterSummary;
  manager: TopologyNode | null;
  workers: TopologyNode[];
}

const CLUSTER_SET_CHANGES = new Set<TopologyChange['kind']>(['CLUSTER_REGISTERED', 'CLUSTER_REMOVED']);

/**
 * The whole system for the topology picture. A status change updates its node in place, so it
 * re-renders one cell, and refetches only its cluster's counts; membership changes refetch the
 * cluster concerned. Refetches are coalesced per cluster.
 */
export class TopologyModel {
  clusters = $state<TopologyCluster[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  #nodes = new Map<string, TopologyNode>();
  #summaryRefreshers = new Map<string, Refresher>();
  #clusterRefreshers = new Map<string, Refresher>();

  constructor(
    private readonly client: Client,
    /** Called when clusters were created or deleted: the whole picture must be reloaded. */
    private readonly onClusterSetChanged: () => void,
  ) {}

  load = async (): Promise<void> => {
    try {
      // Nested lists (clusters × nodes) exceed the OC's query cost limit; two flat lists do not.
      const [summaries, nodes] = await Promise.all([
        fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'NAME' })).clusters),
        fetchAllPages(async (after) => (await fetchQuery(this.client, TopologyNodesQuery, { after })).nodes),
      ]);
      const byCluster = new Map<string, TopologyNodeData[]>();
      for (const node of nodes) {
        const members = byCluster.get(node.cluster.id);
        if (members) members.push(node);
        else byCluster.set(node.cluster.id, [node]);
      }
      this.clusters = summaries.map((summary) => this.#build(summary, byCluster.get(summary.id) ?? []));
      this.#reindex();
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The topology could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  applyStatus = (event: NodeStatusChange): void => {
    const node = this.#nodes.get(event.nodeId);
    if (!node) {
      this.#schedule(this.#clusterRefreshers, event.clusterId, () => this.#reloadCluster(event.clusterId));
      return;
    }
    // A snapshot taken after this change already shows it, or a later one.
    if (Date.parse(event.at) < Date.parse(node.statusSince)) return;
    node.status = event.to;
    node.statusSince = event.at;
    this.#schedule(this.#summaryRefreshers, event.clusterId, () => this.#reloadSummary(event.clusterId));
  };

  applyTopology = (event: TopologyChange): void => {
    if (CLUSTER_SET_CHANGES.has(event.kind)) this.onClusterSetChanged();
    else this.#schedule(this.#clusterRefreshers, event.clusterId, () => this.#reloadCluster(event.clusterId));
  };

  dispose(): void {
    for (const refresher of [...this.#summaryRefreshers.values(), ...this.#clusterRefreshers.values()]) refresher.dispose();
  }

  #schedule(refreshers: Map<string, Refresher>, clusterId: string, load: () => Promise<void>): void {
    let refresher = refreshers.get(clusterId);
    if (!refresher) {
      refresher = new Refresher(load, 1_000);
      refreshers.set(clusterId, refresher);
    }
    refresher.request();
  }

  async #reloadSummary(clusterId: string): Promise<void> {
    try {
      const { cluster } = await fetchQuery(this.client, TopologyClusterSummaryQuery, { id: clusterId });
      const current = this.clusters.find((candidate) => candidate.summary.id === clusterId);
      if (cluster && current) current.summary = cluster;
    } catch (error) {
      this.error = describeLoadError(error, 'The topology could not be updated.');
    }
  }

  async #reloadCluster(clusterId: string): Promise<void> {
    try {
      const [{ cluster }, nodes] = await Promise.all([
        fetchQuery(this.client, TopologyClusterSummaryQuery, { id: clusterId }),
        fetchAllPages(async (after) => (await fetchQuery(this.client, TopologyClusterNodesQuery, { id: clusterId, after })).cluster?.nodes ?? null),
      ]);
      const index = this.clusters.findIndex((candidate) => candidate.summary.id === clusterId);
      if (!cluster || index === -1) {
        this.onClusterSetChanged();
        return;
      }
      this.clusters[index] = this.#build(cluster, nodes);
      this.#reindex();
    } catch (error) {
      this.error = describeLoadError(error, 'The topology could not be updated.');
    }
  }

  #build(summary: ClusterSummary, nodes: TopologyNodeData[]): TopologyCluster {
    const members = nodes.map(({ id, name, role, status, statusSince, effectiveTags }) =>
      this.#keepNewerStatus({ id, name, role, status, statusSince, effectiveTags, clusterName: summary.name }),
    );
    return {
      summary,
      manager: members.find((node) => node.role === 'MANAGER') ?? null,
      workers: members.filter((node) => node.role === 'WORKER'),
    };
  }

  /** A live event may be newer than a snapshot that was already on its way. */
  #keepNewerStatus(node: TopologyNode): TopologyNode {
    const known = this.#nodes.get(node.id);
    if (known && Date.parse(known.statusSince) > Date.parse(node.statusSince)) {
      return { ...node, status: known.status, statusSince: known.statusSince };
    }
    return node;
  }

  /** Indexes the reactive proxies, so that changing a node re-renders its cell. */
  #reindex(): void {
    this.#nodes = new Map(
      this.clusters.flatMap((cluster) => (cluster.manager ? [cluster.manager, ...cluster.workers] : cluster.workers)).map((node) => [node.id, node]),
    );
  }
}
