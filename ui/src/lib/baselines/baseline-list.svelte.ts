import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type BaselineSummary, BaselinesQuery } from './baselines.graphql';
import { fetchClusterNames } from './cluster-names';

/** Baselines by name, 50 at a time. */
export class BaselineList {
  baselines = $state.raw<BaselineSummary[]>([]);
  totalCount = $state(0);
  nextCursor = $state<string | null>(null);
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());
  loaded = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (): Promise<void> => {
    try {
      const [page, clusterNames] = await Promise.all([fetchQuery(this.client, BaselinesQuery, { after: null }), fetchClusterNames(this.client)]);
      this.baselines = page.baselines.nodes;
      this.totalCount = page.baselines.totalCount;
      this.nextCursor = page.baselines.pageInfo.hasNextPage ? page.baselines.pageInfo.endCursor : null;
      this.clusterNames = clusterNames;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The baselines could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  loadMore = async (): Promise<void> => {
    if (!this.nextCursor) return;
    this.loadingMore = true;
    try {
      const page = await fetchQuery(this.client, BaselinesQuery, { after: this.nextCursor });
      this.baselines = [...this.baselines, ...page.baselines.nodes];
      this.nextCursor = page.baselines.pageInfo.hasNextPage ? page.baselines.pageInfo.endCursor : null;
    } catch (error) {
      this.error = describeLoadError(error, 'More baselines could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };
}
