import { builder } from '../../graphql/builder.ts';
import type { Context } from '../../graphql/context.ts';
import { isResync, type Published, type ResyncRequired } from '../../shared/events.ts';
import { validateId } from '../../shared/validation.ts';
import type { OperationUpdatedEvent, StepUpdatedEvent } from './operations.events.ts';
import { OperationStateEnum, ProgressRef, StepStateEnum } from './operations.schema.ts';

/* The operationProgress subscription: operation and step updates as they happen, resumable by sequence. */

const SEQUENCE = 'The event’s place in the one order of all events; give the last one you received as afterSequence to resume.';

const OperationUpdateRef = builder.objectRef<Published<OperationUpdatedEvent>>('OperationUpdate').implement({
  description: 'An operation changed state.',
  fields: (t) => ({
    sequence: t.field({ type: 'SafeInt', description: SEQUENCE, resolve: (event) => event.sequence }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (event) => event.at }),
    operationId: t.id({ description: 'The operation.', resolve: (event) => event.payload.operationId }),
    state: t.field({ type: OperationStateEnum, description: 'Its state.', resolve: (event) => event.payload.state }),
    reason: t.string({ description: 'Why.', resolve: (event) => event.payload.reason }),
    progress: t.field({ type: ProgressRef, description: 'Steps by state.', resolve: (event) => event.payload.counts }),
  }),
});

const StepUpdateRef = builder.objectRef<Published<StepUpdatedEvent>>('StepUpdate').implement({
  description: 'A step changed state.',
  fields: (t) => ({
    sequence: t.field({ type: 'SafeInt', description: SEQUENCE, resolve: (event) => event.sequence }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (event) => event.at }),
    operationId: t.id({ description: 'The operation.', resolve: (event) => event.payload.operationId }),
    stepId: t.id({ description: 'The step.', resolve: (event) => event.payload.stepId }),
    batch: t.int({ description: 'Its batch, from 1.', resolve: (event) => event.payload.batch + 1 }),
    canary: t.boolean({ description: 'Whether it is a canary.', resolve: (event) => event.payload.canary }),
    nodeName: t.string({ description: 'The node.', resolve: (event) => event.payload.nodeName }),
    clusterName: t.string({ description: 'Its cluster.', resolve: (event) => event.payload.clusterName }),
    state: t.field({ type: StepStateEnum, description: 'Its state.', resolve: (event) => event.payload.state }),
    message: t.string({ description: 'What happened.', resolve: (event) => event.payload.message }),
  }),
});

const ResyncRef = builder.objectRef<ResyncRequired>('OperationResyncRequired').implement({
  description: 'Missed updates are no longer kept: refetch the operation, then subscribe again after this sequence.',
  fields: (t) => ({
    sequence: t.field({ type: 'SafeInt', description: 'The newest sequence.', resolve: (resync) => resync.sequence }),
    reason: t.exposeString('reason', { description: 'Why.' }),
  }),
});

const ProgressEventUnion = builder.unionType('OperationProgressEvent', {
  description: 'An operation or step update, or a request to resync.',
  types: [OperationUpdateRef, StepUpdateRef, ResyncRef],
  resolveType: (item) => (isResync(item) ? ResyncRef : item.type === 'STEP_UPDATED' ? StepUpdateRef : OperationUpdateRef),
});

builder.subscriptionField('operationProgress', (t) =>
  t.field({
    type: ProgressEventUnion,
    description: 'Every state change of an operation and its steps (of all operations when id is omitted).',
    args: {
      id: t.arg.id({ description: 'The operation; omit for all.' }),
      afterSequence: t.arg({ type: 'SafeInt', description: 'Resume after this sequence.' }),
    },
    authScopes: { viewer: true },
    subscribe: (_root, args, context: Context) => {
      const id = args.id ? validateId(String(args.id)) : null;
      return context.services.events.stream({
        channel: 'operations',
        afterSequence: args.afterSequence,
        matches: (event) => id === null || event.payload.operationId === id,
      });
    },
    resolve: (item) => item,
  }),
);
