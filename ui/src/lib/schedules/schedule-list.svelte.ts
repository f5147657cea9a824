import type { Client } from '@urql/core';
import { ClustersQuery } from '$lib/clusters/clusters.graphql';
import { unionError } from '$lib/graphql/errors';
import { fetchAllPages, fetchQuery, runMutation } from '$lib/graphql/request';
import { dateTimeFormatFor } from '$lib/utils/format';
import { ListState } from '$lib/utils/list-state.svelte';
import { DeleteScheduleMutation, type Schedule, SchedulesQuery, SetScheduleEnabledMutation } from './schedules.graphql';

/** All schedules by name, with enabling, disabling and deleting. */
export class ScheduleList extends ListState {
  schedules = $state.raw<Schedule[]>([]);
  /** Stored targets name clusters by id; the list shows their names. */
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());

  constructor(private readonly client: Client) {
    super('The schedules could not be loaded.');
  }

  protected async fetch(): Promise<void> {
    const [schedules, clusters] = await Promise.all([
      fetchAllPages(async (after) => (await fetchQuery(this.client, SchedulesQuery, { after })).schedules),
      fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'NAME' })).clusters),
    ]);
    this.schedules = schedules;
    this.clusterNames = new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
  }

  setEnabled = (schedule: Schedule, enabled: boolean) =>
    this.act(schedule.id, `The schedule could not be ${enabled ? 'enabled' : 'disabled'}.`, async () =>
      unionError((await runMutation(this.client, SetScheduleEnabledMutation, { id: schedule.id, enabled })).setScheduleEnabled),
    );

  remove = (schedule: Schedule) =>
    this.act(schedule.id, 'The schedule could not be deleted.', async () =>
      unionError((await runMutation(this.client, DeleteScheduleMutation, { id: schedule.id })).deleteSchedule),
    );
}

/** A run time in the schedule's own zone, which is how its cron expression reads. */
export function formatInZone(iso: string, timeZone: string): string {
  try {
    return dateTimeFormatFor({
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    }).format(new Date(iso));
  } catch {
    // A zone this browser does not know: the OC's UTC time is still right.
    return iso;
  }
}
