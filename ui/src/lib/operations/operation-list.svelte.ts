import type { Client } from '@urql/core';
import { ClustersQuery } from '$lib/clusters/clusters.graphql';
import type { VariablesOf } from '$lib/graphql/graphql';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type OperationSummary, OperationsQuery } from './operations.graphql';

export type OperationFilter = NonNullable<VariablesOf<typeof OperationsQuery>['filter']>;

/** Operations newest first, 50 at a time; a refetch starts again from the newest. */
export class OperationList {
  operations = $state.raw<OperationSummary[]>([]);
  totalCount = $state(0);
  nextCursor = $state<string | null>(null);
  /** Stored targets name clusters by id; the list shows their names. */
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());
  loaded = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (filter: OperationFilter): Promise<void> => {
    try {
      const [page, clusters] = await Promise.all([
        fetchQuery(this.client, OperationsQuery, { filter, after: null }),
        fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'NAME' })).clusters),
      ]);
      this.operations = page.operations.nodes;
      this.totalCount = page.operations.totalCount;
      this.nextCursor = page.operations.pageInfo.hasNextPage ? page.operations.pageInfo.endCursor : null;
      this.clusterNames = new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The operations could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  loadMore = async (filter: OperationFilter): Promise<void> => {
    if (!this.nextCursor) return;
    this.loadingMore = true;
    try {
      const page = await fetchQuery(this.client, OperationsQuery, { filter, after: this.nextCursor });
      this.operations = [...this.operations, ...page.operations.nodes];
      this.nextCursor = page.operations.pageInfo.hasNextPage ? page.operations.pageInfo.endCursor : null;
    } catch (error) {
      this.error = describeLoadError(error, 'More operations could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };
}
