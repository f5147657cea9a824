import type { Client } from '@urql/core';
import type { OperationState } from '$lib/graphql/enums';
import { unionError } from '$lib/graphql/errors';
import { runMutation } from '$lib/graphql/request';
import { isFinal } from './operation-state';
import { CancelOperationMutation, PauseOperationMutation, PromoteOperationMutation, ResumeOperationMutation } from './operations.graphql';

export type ControlAction = 'pause' | 'resume' | 'cancel' | 'promote';

/** In the order the buttons appear. */
export const CONTROL_ACTIONS: readonly ControlAction[] = ['promote', 'pause', 'resume', 'cancel'];

export const CONTROL_LABELS: Record<ControlAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  promote: 'Promote canaries',
  cancel: 'Cancel',
};

/** What a person may do to an operation in each state; the OC refuses anything else. */
export function allowedControls(state: OperationState): Record<ControlAction, boolean> {
  return {
    pause: ['RUNNING', 'WAITING', 'PENDING', 'AWAITING_PROMOTION'].includes(state),
    resume: state === 'PAUSED',
    cancel: !isFinal(state),
    promote: state === 'AWAITING_PROMOTION',
  };
}

const SEND: Record<ControlAction, (client: Client, id: string) => Promise<{ __typename: string }>> = {
  pause: async (client, id) => (await runMutation(client, PauseOperationMutation, { id })).pauseOperation,
  resume: async (client, id) => (await runMutation(client, ResumeOperationMutation, { id })).resumeOperation,
  cancel: async (client, id) => (await runMutation(client, CancelOperationMutation, { id })).cancelOperation,
  promote: async (client, id) => (await runMutation(client, PromoteOperationMutation, { id })).promoteOperation,
};

/**
 * Tells the OC to pause, resume, cancel or promote an operation. Returns why the OC refused,
 * or null when it accepted; throws when it could not be asked.
 */
export async function controlOperation(client: Client, id: string, action: ControlAction): Promise<string | null> {
  return unionError(await SEND[action](client, id))?.message ?? null;
}
