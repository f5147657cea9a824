import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import type { AgentActor } from '../../shared/actor.ts';
import type { CommandWithNode } from './commands.repository.ts';
import type { CommandOutcomeCode } from './commands.service.ts';
import type { CommandKind, CommandRow } from './commands.table.ts';

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
  } satisfies Record<CommandKind, { description: string }>,
});

const RestartParamsRef = builder.objectRef<CommandWithNode>('RestartParams').implement({
  description: 'The parameters of a RESTART.',
  fields: (t) => ({
    operationId: t.id({ nullable: true, description: 'The operation the restart is a step of, if any.', resolve: (command) => command.params.operationId }),
  }),
});

const CommandParamsUnion = builder.unionType('CommandParams', {
  description: 'The parameters of a command, one type per CommandKind: RestartParams for RESTART.',
  types: [RestartParamsRef],
  resolveType: (command) => {
    switch (command.kind) {
      case 'RESTART':
        return RestartParamsRef;
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
