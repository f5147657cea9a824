import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeError, describeLoadError } from '$lib/utils/handle-error';
import { type BaselineDetail, type BaselineDiff, BaselineDiffQuery, BaselineQuery } from './baselines.graphql';
import { fetchClusterNames } from './cluster-names';

/** One baseline with its history (the newest 100 versions) and a comparison of two of them. */
export class BaselineView {
  baseline = $state.raw<BaselineDetail | null>(null);
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());
  loaded = $state(false);
  error = $state<string | null>(null);
  diff = $state.raw<BaselineDiff | null>(null);
  diffError = $state<string | null>(null);

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  load = async (): Promise<void> => {
    try {
      const [{ baseline }, clusterNames] = await Promise.all([fetchQuery(this.client, BaselineQuery, { id: this.id }), fetchClusterNames(this.client)]);
      this.baseline = baseline;
      this.clusterNames = clusterNames;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The baseline could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  compare = async (from: number, to: number): Promise<void> => {
    this.diffError = null;
    try {
      const { baseline } = await fetchQuery(this.client, BaselineDiffQuery, { id: this.id, from, to });
      this.diff = baseline?.diff ?? null;
    } catch (error) {
      this.diff = null;
      this.diffError = describeError(error, 'The versions could not be compared.');
    }
  };
}
