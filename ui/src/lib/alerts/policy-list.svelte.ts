import type { Client } from '@urql/core';
import { ClustersQuery } from '$lib/clusters/clusters.graphql';
import { unionError } from '$lib/graphql/errors';
import { fetchAllPages, fetchQuery, runMutation } from '$lib/graphql/request';
import { ListState } from '$lib/utils/list-state.svelte';
import {
  DeleteRemediationPolicyMutation,
  ReleaseRemediationHoldMutation,
  type RemediationHold,
  RemediationPoliciesQuery,
  type RemediationPolicyView,
  SetRemediationPolicyEnabledMutation,
} from './policies.graphql';

/** Every self-healing policy by name with its latest actions and held nodes: enabling, deleting and releasing. */
export class PolicyList extends ListState {
  policies = $state.raw<RemediationPolicyView[]>([]);
  /** Stored targets name clusters by id; the list and the form show their names. */
  clusterNames = $state.raw<ReadonlyMap<string, string>>(new Map());

  constructor(private readonly client: Client) {
    super('The self-healing policies could not be loaded.');
  }

  protected async fetch(): Promise<void> {
    const [{ remediationPolicies }, clusters] = await Promise.all([
      fetchQuery(this.client, RemediationPoliciesQuery, {}),
      fetchAllPages(async (after) => (await fetchQuery(this.client, ClustersQuery, { after, orderBy: 'NAME' })).clusters),
    ]);
    this.policies = remediationPolicies;
    this.clusterNames = new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
  }

  setEnabled = (policy: RemediationPolicyView, enabled: boolean) =>
    this.act(policy.id, `The policy could not be ${enabled ? 'enabled' : 'disabled'}.`, async () =>
      unionError((await runMutation(this.client, SetRemediationPolicyEnabledMutation, { id: policy.id, enabled })).setRemediationPolicyEnabled),
    );

  remove = (policy: RemediationPolicyView) =>
    this.act(policy.id, 'The policy could not be deleted.', async () =>
      unionError((await runMutation(this.client, DeleteRemediationPolicyMutation, { id: policy.id })).deleteRemediationPolicy),
    );

  /** Lets the policy heal the node again. */
  release = (policy: RemediationPolicyView, hold: RemediationHold) =>
    this.act(`${policy.id}:${hold.nodeId}`, 'The node could not be released.', async () =>
      unionError((await runMutation(this.client, ReleaseRemediationHoldMutation, { id: policy.id, node: hold.nodeId })).releaseRemediationHold),
    );
}
