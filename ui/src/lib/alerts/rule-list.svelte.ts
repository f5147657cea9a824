import type { Client } from '@urql/core';
import { ClustersQuery } from '$lib/clusters/clusters.graphql';
import { unionError } from '$lib/graphql/errors';
import type { ResultOf } from '$lib/graphql/graphql';
import { fetchAllPages, fetchQuery, runMutation } from '$lib/graphql/request';
import { describeError, describeLoadError } from '$lib/utils/handle-error';
import { AlertRulesQuery, type AlertRuleView, DeleteAlertRuleMutation, SetAlertRuleEnabledMutation } from './alerts.graphql';

export type ChannelChoice = ResultOf<typeof AlertRulesQuery>['notificationChannels'][number];

/** Every rule by name, with the channels they may notify, enabling, disabling and deleting. */
export class RuleList {
  rules = $state.raw<AlertRuleView[]>([]);
  channels = $state.raw<ChannelChoice[]>([]);
  /** Stored targets name clusters by id; the list and the form show their names. */
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());
  loaded = $state(false);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  busyId = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (): Promise<void> => {
    try {
      const [{ alertRules, notificationChannels }, clusters] = await Promise.all([
        fetchQuery(this.client, AlertRulesQuery, {}),
        fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'NAME' })).clusters),
      ]);
      this.rules = alertRules;
      this.channels = notificationChannels;
      this.clusterNames = new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The rules could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  setEnabled = (rule: AlertRuleView, enabled: boolean) =>
    this.#act(rule.id, `The rule could not be ${enabled ? 'enabled' : 'disabled'}.`, async () =>
      unionError((await runMutation(this.client, SetAlertRuleEnabledMutation, { id: rule.id, enabled })).setAlertRuleEnabled),
    );

  remove = (rule: AlertRuleView) =>
    this.#act(rule.id, 'The rule could not be deleted.', async () =>
      unionError((await runMutation(this.client, DeleteAlertRuleMutation, { id: rule.id })).deleteAlertRule),
    );

  async #act(id: string, fallback: string, change: () => Promise<{ message: string } | null>): Promise<void> {
    this.busyId = id;
    this.actionError = null;
    try {
      this.actionError = (await change())?.message ?? null;
      await this.load();
    } catch (error) {
      this.actionError = describeError(error, fallback);
    } finally {
      this.busyId = null;
    }
  }
}
