import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type DesiredState, NodeDesiredStateQuery } from './baselines.graphql';

/** What the baselines say one node must have. */
export class DesiredStateView {
  state = $state.raw<DesiredState | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly client: Client,
    readonly nodeId: string,
  ) {}

  load = async (): Promise<void> => {
    try {
      const { node } = await fetchQuery(this.client, NodeDesiredStateQuery, { id: this.nodeId });
      this.state = node?.desiredState ?? null;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The desired state could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };
}
