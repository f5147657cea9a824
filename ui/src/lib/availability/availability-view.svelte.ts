import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import type { TargetInput } from '$lib/operations/strategy-form';
import { describeError, describeLoadError } from '$lib/utils/handle-error';
import { AVAILABILITY_WINDOWS, type AvailabilityWindow, downloadText } from './availability';
import { AvailabilityCsvQuery, AvailabilityQuery, type AvailabilityReport } from './availability.graphql';

/** One availability report; the window is fixed when it loads so that the CSV matches it. */
export class AvailabilityView {
  report = $state.raw<AvailabilityReport | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  downloadError = $state<string | null>(null);
  #request: { target: TargetInput; since: string; until: string } | null = null;
  #generation = 0;

  constructor(private readonly client: Client) {}

  load = async (target: TargetInput, window: AvailabilityWindow): Promise<void> => {
    const until = Date.now();
    const request = { target, since: new Date(until - AVAILABILITY_WINDOWS[window].windowMs).toISOString(), until: new Date(until).toISOString() };
    // A slower answer for a previous choice must not replace the one for the current choice.
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const { availability } = await fetchQuery(this.client, AvailabilityQuery, { ...request, buckets: AVAILABILITY_WINDOWS[window].buckets });
      if (generation !== this.#generation) return;
      this.report = availability;
      this.#request = request;
      this.error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = describeLoadError(error, 'The availability report could not be made.');
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  };

  downloadCsv = async (filename: string): Promise<void> => {
    if (!this.#request) return;
    this.downloadError = null;
    try {
      const { availability } = await fetchQuery(this.client, AvailabilityCsvQuery, this.#request);
      downloadText(availability.csv, filename);
    } catch (error) {
      this.downloadError = describeError(error, 'The CSV could not be downloaded.');
    }
  };
}
