import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import type { AgentActor } from '../../shared/actor.ts';
import { ClusterRef } from '../clusters/clusters.schema.ts';
import type { ClusterRow } from '../clusters/clusters.types.ts';
import { HeartbeatReceiptRef } from '../liveness/liveness.schema.ts';
import type { MembershipReceipt } from '../nodes/nodes.service.ts';
import type { IssuedCredential } from './agents.service.ts';

const EnrollmentTokenRef = builder.objectRef<{ token: string; expiresAt: Date; cluster: ClusterRow }>('EnrollmentToken').implement({
  description: 'A single-use token with which one manager enrolls into a cluster. Shown once.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Give this to the manager agent (opscenter agent --enrollment-token).' }),
    expiresAt: t.field({ type: 'DateTime', description: 'It must be used before this.', resolve: (created) => created.expiresAt }),
    clusterId: t.id({ description: 'The cluster it enrolls into.', resolve: (created) => created.cluster.id }),
    clusterName: t.string({ description: 'The cluster’s name.', resolve: (created) => created.cluster.name }),
  }),
});

const ManagerInput = builder.inputType('ManagerInput', {
  description: 'The manager node registering.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Its node name (usually the host name).' }),
    address: t.string({ description: 'Where it can be reached.' }),
    version: t.string({ description: 'Agent or product version.' }),
    labels: t.field({ type: 'JSONObject', description: 'Key/value labels.' }),
  }),
});

const RegisterManagerInput = builder.inputType('RegisterManagerInput', {
  description: 'A manager’s enrollment.',
  fields: (t) => ({
    enrollmentToken: t.string({ required: true, description: 'The token an admin created for this cluster.' }),
    cluster: t.string({ required: true, description: 'The cluster (name or id) the manager manages; must be the token’s.' }),
    manager: t.field({ type: ManagerInput, required: true, description: 'The manager itself.' }),
  }),
});

const ManagerRegistrationRef = builder
  .objectRef<IssuedCredential & { cluster: ClusterRow; node: { id: string }; heartbeatIntervalMs: number }>('ManagerRegistration')
  .implement({
    description: 'A manager’s credential, bound to its cluster. Shown once: the agent keeps it in its state file.',
    fields: (t) => ({
      credential: t.exposeString('credential', { description: 'Send as "Authorization: Bearer <credential>".' }),
      credentialExpiresAt: t.field({ type: 'DateTime', description: 'When the credential stops working.', resolve: (registration) => registration.expiresAt }),
      renewCredentialAfter: t.field({
        type: 'DateTime',
        description: 'From when the agent should renew it with renewAgentCredential (two thirds into its life).',
        resolve: (registration) => registration.renewAfter,
      }),
      clusterId: t.id({ description: 'The cluster.', resolve: (registration) => registration.cluster.id }),
      clusterName: t.string({ description: 'The cluster’s name.', resolve: (registration) => registration.cluster.name }),
      nodeId: t.id({ description: 'The manager’s node id.', resolve: (registration) => registration.node.id }),
      heartbeatIntervalMs: t.exposeInt('heartbeatIntervalMs', { description: 'How often to send heartbeat batches.' }),
    }),
  });

const NodeReportInput = builder.inputType('NodeReportInput', {
  description: 'A worker as its manager sees it.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique within the cluster.' }),
    address: t.string({ description: 'Where it listens.' }),
    version: t.string({ description: 'Product version.' }),
    labels: t.field({ type: 'JSONObject', description: 'Key/value labels.' }),
    consoleUrl: t.string({ description: 'The worker’s own management console: an absolute http(s) URL. Omit it when the worker has none.' }),
  }),
});

const MembershipInput = builder.inputType('MembershipInput', {
  description: 'Either a full snapshot of the workers, or the changes since the last report.',
  fields: (t) => ({
    snapshot: t.field({ type: [NodeReportInput], description: 'Every worker; workers not listed leave.' }),
    joined: t.field({ type: [NodeReportInput], description: 'Workers that joined or changed.' }),
    left: t.stringList({ description: 'Names of workers that left.' }),
  }),
});

const MembershipReceiptRef = builder.objectRef<MembershipReceipt>('MembershipReceipt').implement({
  description: 'What a membership report changed (by node name).',
  fields: (t) => ({
    joined: t.stringList({ description: 'New nodes.', resolve: (receipt) => receipt.joined.map((node) => node.name) }),
    rejoined: t.stringList({ description: 'Nodes back after leaving.', resolve: (receipt) => receipt.rejoined.map((node) => node.name) }),
    updated: t.stringList({
      description: 'Nodes whose address, version, labels or console URL changed.',
      resolve: (receipt) => receipt.updated.map((node) => node.name),
    }),
    left: t.stringList({ description: 'Nodes that left.', resolve: (receipt) => receipt.left.map((node) => node.name) }),
    unchanged: t.exposeInt('unchanged', { description: 'Nodes reported as they were.' }),
  }),
});

const RenewedCredentialRef = builder.objectRef<IssuedCredential>('RenewedAgentCredential').implement({
  description: 'A manager’s new credential. The one it replaces keeps working for a grace period (10 minutes unless configured).',
  fields: (t) => ({
    credential: t.exposeString('credential', { description: 'Send as "Authorization: Bearer <credential>" from now on; keep it in place of the old one.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working.', resolve: (issued) => issued.expiresAt }),
    renewAfter: t.field({ type: 'DateTime', description: 'From when to renew it again.', resolve: (issued) => issued.renewAfter }),
  }),
});

const AgentCredentialInfoRef = builder.objectRef<{ id: string; createdAt: Date; expiresAt: Date; renewAfter: Date }>('AgentCredentialInfo').implement({
  description: 'The credential a cluster’s manager uses now, without its secret.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    issuedAt: t.field({ type: 'DateTime', description: 'When it was issued (at enrollment or its last renewal).', resolve: (info) => info.createdAt }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working unless renewed.', resolve: (info) => info.expiresAt }),
    renewAfter: t.field({ type: 'DateTime', description: 'From when the agent renews it.', resolve: (info) => info.renewAfter }),
  }),
});

builder.objectField(ClusterRef, 'agentCredential', (t) =>
  t.field({
    type: AgentCredentialInfoRef,
    nullable: true,
    description: 'The credential the cluster’s manager agent uses now; null when none works (never enrolled, revoked or expired). Admins only.',
    authScopes: { admin: true },
    resolve: (cluster, _args, context) => context.services.agents.currentCredential(cluster.id),
  }),
);

builder.objectField(HeartbeatReceiptRef, 'credentialRenewAfter', (t) =>
  t.field({
    type: 'DateTime',
    description: 'From when the sending agent should renew its credential with renewAgentCredential; it expires a third of its lifetime later.',
    resolve: (_receipt, _args, context) => context.services.agents.renewAfter((context.meta.actor as AgentActor).credentialExpiresAt),
  }),
);

builder.mutationFields((t) => ({
  renewAgentCredential: mutation(t, 'agent.credential.renew', 'AGENT', {
    type: RenewedCredentialRef,
    description: 'A manager agent exchanges its credential for a new one before it expires. Agent credential only.',
    resolve: (meta, _args, context) => context.services.agents.renewCredential(meta),
  }),
  revokeAgentCredentials: mutation(t, 'agent.credential.revoke', 'ADMIN', {
    type: ClusterRef,
    description: 'Revokes the credentials of a cluster’s manager agent at once (its sockets close); it must enroll again with a new token.',
    args: { cluster: t.arg.string({ required: true, description: 'The cluster, by id or name.' }) },
    resolve: (meta, args, context) => context.services.agents.revokeCredentials(meta, args.cluster),
  }),
  createEnrollmentToken: mutation(t, 'enrollmentToken.create', 'ADMIN', {
    type: EnrollmentTokenRef,
    description: 'Creates a single-use enrollment token for a cluster’s manager (default lifetime 1 hour).',
    args: {
      cluster: t.arg.string({ required: true, description: 'The cluster, by id or name.' }),
      expiresInSeconds: t.arg.int({ description: 'Lifetime, 60 to 604800 seconds.' }),
    },
    resolve: (meta, args, context) => context.services.agents.createEnrollmentToken(meta, args.cluster, args.expiresInSeconds),
  }),
  registerManager: mutation(t, 'agent.register', 'PUBLIC', {
    type: ManagerRegistrationRef,
    description: 'A manager enrolls with its token and receives its own credential, bound to its cluster.',
    args: { input: t.arg({ type: RegisterManagerInput, required: true, description: 'The enrollment.' }) },
    resolve: (meta, args, context) => context.services.agents.registerManager(meta, args.input),
  }),
  reportMembership: mutation(t, 'membership.report', 'AGENT', {
    type: MembershipReceiptRef,
    description: 'A manager reports its cluster’s workers. Repeating a report changes nothing. Agent credential only.',
    args: { input: t.arg({ type: MembershipInput, required: true, description: 'The report.' }) },
    resolve: (meta, args, context) => {
      const actor = context.meta.actor as AgentActor;
      return context.services.nodes.applyMembership(meta, actor.clusterId, args.input);
    },
  }),
}));
