import type { Client } from '@urql/core';
import type { ResultOf } from '$lib/graphql/graphql';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import type { TagMatches } from './cluster-filter';
import { type ClusterSummary, ClustersQuery, SystemOverviewQuery, TaggedClustersQuery } from './clusters.graphql';

export type SystemOverview = ResultOf<typeof SystemOverviewQuery>['systemOverview'];

/** The data of the system view: node and cluster counts, and every cluster worst first. */
export class SystemView {
  overview = $state.raw<SystemOverview | null>(null);
  clusters = $state.raw<ClusterSummary[]>([]);
  /** The clusters carrying the tag filter's tag, as the OC answered for it. */
  tagMatches = $state.raw<TagMatches | null>(null);
  /** Why the tag filter could not be applied, e.g. a tag the OC refuses. */
  tagError = $state<string | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);
  #tag = '';

  constructor(private readonly client: Client) {}

  load = async (): Promise<void> => {
    const tag = this.#tag;
    try {
      const [overview, clusters, tagMatches] = await Promise.all([
        fetchQuery(this.client, SystemOverviewQuery, {}),
        fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'HEALTH' })).clusters),
        // A tag the OC refuses is matchTag's to report; the rest of the view still loads.
        tag ? this.#clustersTagged(tag).catch(() => null) : null,
      ]);
      this.overview = overview.systemOverview;
      this.clusters = clusters;
      if (tag === this.#tag && (tagMatches || !tag)) this.tagMatches = tagMatches;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The system overview could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  /**
   * Filters by a (normalised) tag. The OC says which clusters carry it: a cluster does when it
   * or any of its nodes has the tag, and the view has only the clusters' own tags.
   */
  matchTag = async (tag: string): Promise<void> => {
    this.#tag = tag;
    this.tagError = null;
    if (!tag) {
      this.tagMatches = null;
      return;
    }
    try {
      const matches = await this.#clustersTagged(tag);
      if (tag === this.#tag) this.tagMatches = matches;
    } catch (error) {
      if (tag === this.#tag) this.tagError = describeLoadError(error, 'The clusters with this tag could not be loaded.');
    }
  };

  async #clustersTagged(tag: string): Promise<TagMatches> {
    const clusters = await fetchAllPages(async (after) => (await fetchQuery(this.client, TaggedClustersQuery, { tags: [tag], after })).clusters);
    return { tag, clusterIds: new Set(clusters.map((cluster) => cluster.id)) };
  }
}
