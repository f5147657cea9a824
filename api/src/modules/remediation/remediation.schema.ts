import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import { NodeStatusEnum, StatusCauseEnum } from '../liveness/liveness.schema.ts';
import { TargetInput } from '../targets/targets.schema.ts';
import type { PolicyInput } from './remediation.service.ts';
import type { ActionRow, HoldRow, PolicyRow } from './remediation.table.ts';

const ActionRef = builder.objectRef<ActionRow>('RemediationAction').implement({
  description: 'A decision a self-healing policy took for a node.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (action) => action.at }),
    nodeId: t.exposeID('nodeId', { description: 'The node.' }),
    nodeName: t.exposeString('nodeName', { description: 'Its name.' }),
    outcome: t.exposeString('outcome', { description: 'RESTARTED, or STOPPED (the policy gave up on the node).' }),
    message: t.exposeString('message', { description: 'Why.' }),
    operationId: t.exposeID('operationId', { nullable: true, description: 'The RESTART operation it started.' }),
  }),
});

const HoldRef = builder.objectRef<HoldRow>('RemediationHold').implement({
  description: 'A node a policy stopped healing until someone releases it.',
  fields: (t) => ({
    nodeId: t.exposeID('nodeId', { description: 'The node.' }),
    nodeName: t.exposeString('nodeName', { description: 'Its name.' }),
    clusterName: t.exposeString('clusterName', { description: 'Its cluster.' }),
    since: t.field({ type: 'DateTime', description: 'Since when.', resolve: (hold) => hold.since }),
    reason: t.exposeString('reason', { description: 'Why: flapping, or the hourly limit.' }),
  }),
});

const PolicyRef = builder.objectRef<PolicyRow>('RemediationPolicy').implement({
  description:
    'Self-healing: restarts the nodes of a target that stay in a status (for a cause) long enough, through the operations engine under the cluster’s budget, with the policy as the audited actor.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique name; actions are audited as policy:<name>.' }),
    target: t.field({ type: 'JSONObject', description: 'The nodes it heals.', resolve: (policy) => ({ ...policy.target }) }),
    statuses: t.field({ type: [NodeStatusEnum], description: 'Statuses it heals.', resolve: (policy) => policy.statuses }),
    causes: t.field({ type: [StatusCauseEnum], nullable: true, description: 'Only for these causes (null: any).', resolve: (policy) => policy.causes }),
    for: t.field({ type: 'Duration', description: 'How long a node must have been so before it is restarted.', resolve: (policy) => policy.forMs }),
    maxRestartsPerHour: t.exposeInt('maxRestartsPerHour', { description: 'Restarts per node per hour before it gives up on the node.' }),
    flapWindow: t.field({
      type: 'Duration',
      description: 'A node down again within this long after its restart is flapping: the policy stops for it.',
      resolve: (policy) => policy.flapWindowMs,
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Turned on explicitly; off until then.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who created it.' }),
    actions: t.field({
      type: [ActionRef],
      description: 'Its latest decisions, newest first.',
      args: { first: t.arg.int({ defaultValue: 20, description: 'How many, at most 100.' }) },
      resolve: (policy, args, context) => context.services.remediation.actions(policy.id, Math.min(100, Math.max(1, args.first ?? 20))),
    }),
    holds: t.field({
      type: [HoldRef],
      description: 'Nodes it stopped healing.',
      resolve: (policy, _args, context) => context.services.remediation.holdsOf(policy),
    }),
  }),
});

const PolicyInputRef = builder.inputType('RemediationPolicyInput', {
  description: 'A self-healing policy.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name.' }),
    target: t.field({ type: TargetInput, required: true, description: 'The nodes it heals.' }),
    statuses: t.field({ type: [NodeStatusEnum], description: 'DOWN (default) and/or SUSPECT.' }),
    causes: t.field({ type: [StatusCauseEnum], description: 'Only for these causes, e.g. REPORTED_FAILURE.' }),
    for: t.field({ type: 'Duration', description: 'How long first (default 2m).' }),
    maxRestartsPerHour: t.int({ description: 'Default 3.' }),
    flapWindow: t.field({ type: 'Duration', description: 'Default 10m.' }),
    enabled: t.boolean({ description: 'Default true.' }),
  }),
});

builder.queryFields((t) => ({
  remediationPolicies: t.field({
    type: [PolicyRef],
    description: 'Every self-healing policy, by name.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.services.remediation.policies(),
  }),
}));

builder.mutationFields((t) => ({
  createRemediationPolicy: mutation(t, 'remediation.create', 'ADMIN', {
    type: PolicyRef,
    description: 'Creates a self-healing policy. Give a rule with the remediationStopped condition to be alerted when it gives up on a node.',
    args: { input: t.arg({ type: PolicyInputRef, required: true, description: 'The policy.' }) },
    resolve: (meta, args, context) => context.services.remediation.create(meta, args.input as PolicyInput),
  }),
  updateRemediationPolicy: mutation(t, 'remediation.update', 'ADMIN', {
    type: PolicyRef,
    description: 'Replaces a policy and releases the nodes it held.',
    args: {
      id: t.arg.id({ required: true, description: 'The policy id.' }),
      input: t.arg({ type: PolicyInputRef, required: true, description: 'The policy.' }),
    },
    resolve: (meta, args, context) => context.services.remediation.update(meta, String(args.id), args.input as PolicyInput),
  }),
  setRemediationPolicyEnabled: mutation(t, 'remediation.enable', 'ADMIN', {
    type: PolicyRef,
    description: 'Turns a policy on or off.',
    args: { id: t.arg.id({ required: true, description: 'The policy id.' }), enabled: t.arg.boolean({ required: true, description: 'true to turn it on.' }) },
    resolve: (meta, args, context) => context.services.remediation.setEnabled(meta, String(args.id), args.enabled),
  }),
  deleteRemediationPolicy: mutation(t, 'remediation.delete', 'ADMIN', {
    type: RemovedRef,
    description: 'Deletes a policy with its history.',
    args: { id: t.arg.id({ required: true, description: 'The policy id.' }) },
    resolve: (meta, args, context) => context.services.remediation.remove(meta, String(args.id)),
  }),
  releaseRemediationHold: mutation(t, 'remediation.release', 'OPERATOR', {
    type: PolicyRef,
    description: 'Lets a policy heal again a node it stopped for (or, without node, every node it holds).',
    args: { id: t.arg.id({ required: true, description: 'The policy id.' }), node: t.arg.id({ description: 'The node id.' }) },
    resolve: (meta, args, context) => context.services.remediation.release(meta, String(args.id), args.node ? String(args.node) : null),
  }),
}));
