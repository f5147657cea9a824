import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type FileDrift, NodeDriftQuery } from './drift.graphql';

/** How one node's files compare with what its baselines want there. */
export class NodeDriftView {
  files = $state.raw<FileDrift[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly client: Client,
    readonly nodeId: string,
  ) {}

  load = async (): Promise<void> => {
    try {
      const { node } = await fetchQuery(this.client, NodeDriftQuery, { id: this.nodeId });
      this.files = node?.drift ?? [];
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The drift could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };
}
