import type { Client } from '@urql/core';
import type { ResultOf, VariablesOf } from '$lib/graphql/graphql';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { AlertCountsQuery, AlertsQuery, type AlertView } from './alerts.graphql';

export type AlertCounts = ResultOf<typeof AlertCountsQuery>['alertCounts'];

export type AlertTab = 'firing' | 'pending' | 'suppressed' | 'history';

export const ALERT_TABS: { tab: AlertTab; label: string }[] = [
  { tab: 'firing', label: 'Firing' },
  { tab: 'pending', label: 'Pending' },
  { tab: 'suppressed', label: 'Inhibited or silenced' },
  { tab: 'history', label: 'History' },
];

/** Firing means notifying: held-back alerts have a tab of their own, as in the navigation count. */
const TAB_QUERIES: Record<AlertTab, Omit<VariablesOf<typeof AlertsQuery>, 'after'>> = {
  firing: { states: ['FIRING'], suppressed: false },
  pending: { states: ['PENDING'], suppressed: false },
  suppressed: { states: ['PENDING', 'FIRING'], suppressed: true },
  history: { states: ['RESOLVED'] },
};

export function isAlertTab(value: string): value is AlertTab {
  return value in TAB_QUERIES;
}

/** One tab's alerts, newest first, 100 at a time; a refetch starts again from the newest. */
export class AlertList {
  alerts = $state.raw<AlertView[]>([]);
  /** Open alerts by tab, for the tab labels. */
  counts = $state.raw<AlertCounts | null>(null);
  totalCount = $state(0);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (tab: AlertTab): Promise<void> => {
    try {
      const [{ alerts: page }, { alertCounts }] = await Promise.all([
        fetchQuery(this.client, AlertsQuery, { ...TAB_QUERIES[tab], after: null }),
        fetchQuery(this.client, AlertCountsQuery, {}),
      ]);
      this.counts = alertCounts;
      this.alerts = page.nodes;
      this.totalCount = page.totalCount;
      this.nextCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The alerts could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  loadMore = async (tab: AlertTab): Promise<void> => {
    if (!this.nextCursor) return;
    this.loadingMore = true;
    try {
      const page = (await fetchQuery(this.client, AlertsQuery, { ...TAB_QUERIES[tab], after: this.nextCursor })).alerts;
      this.alerts = [...this.alerts, ...page.nodes];
      this.nextCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } catch (error) {
      this.error = describeLoadError(error, 'More alerts could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };
}
