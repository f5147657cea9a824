import type { Client } from '@urql/core';
import { ClustersQuery } from '$lib/clusters/clusters.graphql';
import { unionError } from '$lib/graphql/errors';
import type { ResultOf } from '$lib/graphql/graphql';
import { fetchAllPages, fetchQuery, runMutation } from '$lib/graphql/request';
import { ListState } from '$lib/utils/list-state.svelte';
import { AlertRulesQuery, type AlertRuleView, DeleteAlertRuleMutation, SetAlertRuleEnabledMutation } from './alerts.graphql';

export type ChannelChoice = ResultOf<typeof AlertRulesQuery>['notificationChannels'][number];
export type PolicyChoice = ResultOf<typeof AlertRulesQuery>['remediationPolicies'][number];

/** Every rule by name, with the channels they may notify, enabling, disabling and deleting. */
export class RuleList extends ListState {
  rules = $state.raw<AlertRuleView[]>([]);
  channels = $state.raw<ChannelChoice[]>([]);
  /** The self-healing policies a remediationStopped condition may name. */
  policies = $state.raw<PolicyChoice[]>([]);
  /** Stored targets name clusters by id; the list and the form show their names. */
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());

  constructor(private readonly client: Client) {
    super('The rules could not be loaded.');
  }

  protected async fetch(): Promise<void> {
    const [{ alertRules, notificationChannels, remediationPolicies }, clusters] = await Promise.all([
      fetchQuery(this.client, AlertRulesQuery, {}),
      fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'NAME' })).clusters),
    ]);
    this.rules = alertRules;
    this.channels = notificationChannels;
    this.policies = remediationPolicies;
    this.clusterNames = new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
  }

  setEnabled = (rule: AlertRuleView, enabled: boolean) =>
    this.act(rule.id, `The rule could not be ${enabled ? 'enabled' : 'disabled'}.`, async () =>
      unionError((await runMutation(this.client, SetAlertRuleEnabledMutation, { id: rule.id, enabled })).setAlertRuleEnabled),
    );

  remove = (rule: AlertRuleView) =>
    this.act(rule.id, 'The rule could not be deleted.', async () =>
      unionError((await runMutation(this.client, DeleteAlertRuleMutation, { id: rule.id })).deleteAlertRule),
    );
}
