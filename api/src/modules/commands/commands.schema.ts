import type { DeployFile, DeployGate, RemovedFile } from '@opscenter/agent/shared/deploy-protocol';
import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import type { AgentActor } from '../../shared/actor.ts';
import type { CommandWithNode } from './commands.repository.ts';
import type { CommandOutcomeCode } from './commands.service.ts';
import type { CommandKind, CommandRow, CommandSpec } from './commands.table.ts';

export const CommandStateEnum = builder.enumType('CommandState', {
  description: 'Where a command to a manager stands.',
  values: {
    PENDING: { description: 'Stored, sent (again) whenever the manager subscribes, not yet acknowledged.' },
    RUNNING: { description: 'The manager is carrying it out.' },
    SUCCEEDED: { description: 'Done.' },
    FAILED: { description: 'The manager tried and failed.' },
    REJECTED: { description: 'The manager refused it (stale epoch, unknown node, already done).' },
    CANCELLED: { description: 'Withdrawn by the OC before it finished.' },
  },
});

const CommandKindEnum = builder.enumType('CommandKind', {
  description: 'What a command asks a manager to do. A manager refuses (REJECTED) a kind it does not know.',
  values: {
    RESTART: {
      description:
        'Restart the node: stop it gracefully, start it and wait for its health check; SUCCEEDED once it is healthy again, FAILED if it is not healthy within its start timeout. For the manager’s own node: restart the manager agent. Parameters: RestartParams.',
    },
    DEPLOY: {
      description:
        'Change the node’s files: download each file not cached yet (verifying its SHA-256), keep what it replaces, switch each file in with a rename, ' +
        'restart the node if `restart`, and report SUCCEEDED once it has been healthy for minHealthyTimeMs with the new files loaded. Otherwise put the ' +
        'previous files back byte for byte, restart it, and report FAILED with code REVERTED. Parameters: DeployParams.',
    },
    REVERT: {
      description:
        'Put back what the operation’s DEPLOY to this node replaced, restart it if `restart`, and report SUCCEEDED once it is healthy (also when there is nothing to put back). Parameters: RevertParams.',
    },
  } satisfies Record<CommandKind, { description: string }>,
});

type ParamsOf<Kind extends CommandKind> = Extract<CommandSpec, { kind: Kind }>['params'];
const paramsOf = <Kind extends CommandKind>(command: CommandWithNode, _kind: Kind) => command.params as ParamsOf<Kind>;

const RestartParamsRef = builder.objectRef<CommandWithNode>('RestartParams').implement({
  description: 'The parameters of a RESTART.',
  fields: (t) => ({
    operationId: t.id({
      nullable: true,
      description: 'The operation the restart is a step of, if any.',
      resolve: (command) => paramsOf(command, 'RESTART').operationId,
    }),
  }),
});

const DeployItemKindEnum = builder.enumType('DeployItemKind', {
  description: 'Where a file goes on a worker.',
  values: {
    PATCH: { description: 'Into its patches directory.' },
    ARTIFACT: { description: 'Into its artifacts directory.' },
    CONFIG: { description: 'Over the managed configuration file of that name.' },
  },
});

const DeployFileRef = builder.objectRef<DeployFile>('DeployFile').implement({
  description: 'A file to put in place, named by the SHA-256 of its bytes.',
  fields: (t) => ({
    kind: t.field({ type: DeployItemKindEnum, description: 'Where it goes.', resolve: (file) => file.kind }),
    name: t.exposeString('name', { description: 'Its file name.' }),
    sha256: t.exposeString('sha256', { description: 'The SHA-256 its bytes must have; anything else is refused.' }),
    size: t.exposeFloat('size', { description: 'Its size in bytes.' }),
    contentId: t.exposeID('contentId', {
      nullable: true,
      description: 'Download it with GET /api/content/<contentId>, with the agent credential (allowed while a command of the cluster names it).',
    }),
    inline: t.exposeString('inline', { nullable: true, description: 'A configuration file rendered for this node, base64.' }),
  }),
});

const RemovedFileRef = builder.objectRef<RemovedFile>('RemovedFile').implement({
  description: 'A file to take away.',
  fields: (t) => ({
    kind: t.field({ type: DeployItemKindEnum, description: 'Where it is.', resolve: (file) => file.kind }),
    name: t.exposeString('name', { description: 'Its file name.' }),
  }),
});

const DeployGateRef = builder.interfaceRef<CommandWithNode>('DeployGate').implement({
  description: 'How a manager judges a DEPLOY or REVERT.',
  fields: (t) => ({
    // Nullable as RestartParams.operationId is, so that one selection can ask every kind of params for it.
    operationId: t.id({
      nullable: true,
      description: 'The operation it is a step of.',
      resolve: (command) => (command.params as DeployGate & { operationId: string }).operationId,
    }),
    restart: t.boolean({ description: 'Restart the worker to take the change in.', resolve: (command) => (command.params as DeployGate).restart }),
    minHealthyTimeMs: t.float({
      description: 'How long the worker must stay healthy (after a DEPLOY, with the new files loaded) before reporting SUCCEEDED.',
      resolve: (command) => (command.params as DeployGate).minHealthyTimeMs,
    }),
    healthyDeadlineMs: t.float({
      description: 'How long after the switch it may take; then a DEPLOY is reverted.',
      resolve: (command) => (command.params as DeployGate).healthyDeadlineMs,
    }),
  }),
});

const DeployParamsRef = builder.objectRef<CommandWithNode>('DeployParams').implement({
  description: 'The parameters of a DEPLOY.',
  interfaces: [DeployGateRef],
  fields: (t) => ({
    install: t.field({ type: [DeployFileRef], description: 'Files to put in place.', resolve: (command) => paramsOf(command, 'DEPLOY').install }),
    remove: t.field({ type: [RemovedFileRef], description: 'Files to take away.', resolve: (command) => paramsOf(command, 'DEPLOY').remove }),
  }),
});

const RevertParamsRef = builder.objectRef<CommandWithNode>('RevertParams').implement({
  description: 'The parameters of a REVERT.',
  interfaces: [DeployGateRef],
  fields: () => ({}),
});

const CommandParamsUnion = builder.unionType('CommandParams', {
  description: 'The parameters of a command, one type per CommandKind: RestartParams for RESTART, DeployParams for DEPLOY, RevertParams for REVERT.',
  types: [RestartParamsRef, DeployParamsRef, RevertParamsRef],
  resolveType: (command) => {
    switch (command.kind) {
      case 'RESTART':
        return RestartParamsRef;
      case 'DEPLOY':
        return DeployParamsRef;
      case 'REVERT':
        return RevertParamsRef;
    }
  },
});

const AgentCommandRef = builder.objectRef<CommandWithNode>('AgentCommand').implement({
  description: 'Work for a manager, about one of its nodes. Execute each command id at most once.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique; the key for executing it at most once.' }),
    kind: t.field({ type: CommandKindEnum, description: 'What to do.', resolve: (command) => command.kind }),
    nodeId: t.exposeID('nodeId', { description: 'The node to act on.' }),
    nodeName: t.exposeString('nodeName', { description: 'Its name.' }),
    params: t.field({ type: CommandParamsUnion, description: 'The parameters of its kind.', resolve: (command) => command }),
    operationId: t.exposeID('operationId', { nullable: true, description: 'The operation it belongs to.' }),
    stepId: t.exposeID('stepId', { nullable: true, description: 'The operation step it carries out.' }),
    epoch: t.exposeInt('epoch', {
      description: 'Fencing epoch of the operation: refuse a command whose epoch is lower than one already seen for the same operation.',
    }),
    issuedAt: t.field({ type: 'DateTime', description: 'When the OC issued it.', resolve: (command) => command.createdAt }),
  }),
});

const CommandProgressStateEnum = builder.enumType('CommandProgressState', {
  description: 'What a manager can report about a command.',
  values: {
    RUNNING: { description: 'Started carrying it out.' },
    SUCCEEDED: { description: 'Done.' },
    FAILED: { description: 'Tried and failed.' },
    REJECTED: { description: 'Refused (stale epoch, unknown node, already done).' },
  },
});

const CommandOutcomeCodeEnum = builder.enumType('CommandOutcomeCode', {
  description: 'Why a manager refused (REJECTED) or failed (FAILED) a command, for programs to act on; the message says it for people.',
  values: {
    STALE_EPOCH: {
      description: 'REJECTED without running it: a higher epoch was already seen for its operation. The OC sends the step again under its current epoch.',
    },
    UNKNOWN_KIND: { description: 'REJECTED: the manager does not know this CommandKind.' },
    UNKNOWN_NODE: { description: 'REJECTED: the manager has no node by this name.' },
    RESTART_FAILED: {
      description: 'FAILED: the node was restarted but did not become healthy (it exited, or failed its health check within its start timeout).',
    },
    INTERRUPTED: { description: 'FAILED: the manager restarted while carrying it out; it was not run again, and the node is not healthy.' },
    REVERTED: {
      description: 'FAILED: a DEPLOY was switched in, but the node was not healthy with it loaded in time; the previous files are back, byte for byte.',
    },
    DOWNLOAD_FAILED: { description: 'FAILED: a DEPLOY’s file could not be downloaded, or its bytes did not have its SHA-256; nothing was changed.' },
  } satisfies Record<CommandOutcomeCode, { description: string }>,
});

const CommandProgressInput = builder.inputType('CommandProgressInput', {
  description: 'What became of a command.',
  fields: (t) => ({
    commandId: t.id({ required: true, description: 'The command.' }),
    epoch: t.int({ required: true, description: 'The epoch the command carried.' }),
    state: t.field({ type: CommandProgressStateEnum, required: true, description: 'Where it stands.' }),
    code: t.field({
      type: CommandOutcomeCodeEnum,
      description:
        'With REJECTED and FAILED: why, for the OC to act on. Without it a refusal or failure is taken as final (agents from before codes send none).',
    }),
    message: t.string({ description: 'Details for people.' }),
    details: t.field({ type: 'JSONObject', description: 'Details for programs (e.g. the new process id).' }),
  }),
});

const CommandReceiptRef = builder.objectRef<CommandRow>('CommandReceipt').implement({
  description: 'The command as the OC now records it.',
  fields: (t) => ({
    commandId: t.exposeID('id', { description: 'The command.' }),
    state: t.field({ type: CommandStateEnum, description: 'Its state now.', resolve: (command) => command.state }),
  }),
});

builder.subscriptionField('agentCommands', (t) =>
  t.field({
    type: AgentCommandRef,
    description: 'A manager’s command channel: every unfinished command of its cluster, then each new one. Agent credential only.',
    authScopes: { agent: true },
    subscribe: (_root, _args, context) => context.services.commands.stream((context.meta.actor as AgentActor).clusterId),
    resolve: (command) => command,
  }),
);

builder.mutationField('reportCommandProgress', (t) =>
  mutation(t, 'command.report', 'AGENT', {
    type: CommandReceiptRef,
    description: 'A manager reports progress of one of its commands. Agent credential only.',
    args: { input: t.arg({ type: CommandProgressInput, required: true, description: 'The report.' }) },
    resolve: (meta, args, context) =>
      context.services.commands.report(meta, context.meta.actor as AgentActor, { ...args.input, commandId: String(args.input.commandId) }),
  }),
);
