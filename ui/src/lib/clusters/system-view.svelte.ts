import type { Client } from '@urql/core';
import type { ResultOf } from '$lib/graphql/graphql';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type ClusterSummary, ClustersQuery, SystemOverviewQuery } from './clusters.graphql';

export type SystemOverview = ResultOf<typeof SystemOverviewQuery>['systemOverview'];

/** The data of the system view: node and cluster counts, and every cluster worst first. */
export class SystemView {
  overview = $state.raw<SystemOverview | null>(null);
  clusters = $state.raw<ClusterSummary[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (): Promise<void> => {
    try {
      const [overview, clusters] = await Promise.all([
        fetchQuery(this.client, SystemOverviewQuery, {}),
        fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'HEALTH' })).clusters),
      ]);
      this.overview = overview.systemOverview;
      this.clusters = clusters;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The system overview could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };
}
