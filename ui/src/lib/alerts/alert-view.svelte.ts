import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type AlertDetail, AlertQuery } from './alerts.graphql';

/** One alert with its history and notifications. */
export class AlertDetailView {
  alert = $state.raw<AlertDetail | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly client: Client,
    private readonly id: string,
  ) {}

  load = async (): Promise<void> => {
    try {
      this.alert = (await fetchQuery(this.client, AlertQuery, { id: this.id })).alert;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The alert could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };
}
