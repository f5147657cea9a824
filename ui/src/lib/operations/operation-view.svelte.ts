import type { Client } from '@urql/core';
import { onEnd, pipe, subscribe, type Subscription } from 'wonka';
import { unionError } from '$lib/graphql/errors';
import type { StepState } from '$lib/graphql/enums';
import { fetchAllPages, fetchQuery, runMutation } from '$lib/graphql/request';
import { backoffDelay } from '$lib/utils/backoff';
import { describeError, describeLoadError } from '$lib/utils/handle-error';
import { Refresher } from '$lib/utils/refresher';
import {
  CancelOperationMutation,
  type OperationDetails,
  type OperationProgressEvent,
  OperationProgressSubscription,
  OperationQuery,
  type OperationStep,
  OperationStepsQuery,
  PauseOperationMutation,
  PromoteOperationMutation,
  ResumeOperationMutation,
} from './operations.graphql';

export type ControlAction = 'pause' | 'resume' | 'cancel' | 'promote';

type Progress = OperationDetails['progress'];

const PROGRESS_KEY: Record<StepState, keyof Omit<Progress, 'total'>> = {
  PENDING: 'pending',
  DISPATCHED: 'inFlight',
  RESTARTED: 'inFlight',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  CANCELLED: 'cancelled',
};

/** Which timestamp of a step a step event stands for. */
const STEP_TIME: Partial<Record<StepState, 'dispatchedAt' | 'restartedAt' | 'healthyAt'>> = {
  DISPATCHED: 'dispatchedAt',
  RESTARTED: 'restartedAt',
  SUCCEEDED: 'healthyAt',
};

/**
 * One operation and its steps, kept current by the operationProgress subscription. Events are
 * applied at once so that the page moves as the operation does; each one also asks for a
 * refetch (coalesced), which fills in what events do not carry and repairs anything missed.
 */
export class OperationView {
  operation = $state.raw<OperationDetails | null>(null);
  steps = $state<OperationStep[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  acting = $state<ControlAction | null>(null);

  #refresh = new Refresher(() => this.load(), 500);
  #subscription: Subscription | null = null;
  #lastSequence: number | null = null;
  #retries = 0;
  #disposed = false;

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  /** Steps counted from the steps shown, so that the bar moves with each step event. */
  get progress(): Progress | null {
    const operation = this.operation;
    if (!operation) return null;
    if (this.steps.length !== operation.progress.total) return operation.progress;
    const counts: Progress = { total: this.steps.length, pending: 0, inFlight: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const step of this.steps) counts[PROGRESS_KEY[step.state]] += 1;
    return counts;
  }

  load = async (): Promise<void> => {
    try {
      const [{ operation }, steps] = await Promise.all([
        fetchQuery(this.client, OperationQuery, { id: this.id }),
        fetchAllPages(async (after) => (await fetchQuery(this.client, OperationStepsQuery, { id: this.id, after })).operation?.steps ?? null),
      ]);
      this.operation = operation;
      this.steps = steps;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The operation could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  /** Refetches soon, e.g. after the connection came back. */
  refresh = (): void => this.#refresh.request();

  /** Subscribes first and loads after, so that no change falls between the snapshot and the stream. */
  start(): void {
    this.#subscribe();
    this.#refresh.request();
  }

  dispose(): void {
    this.#disposed = true;
    this.#subscription?.unsubscribe();
    this.#refresh.dispose();
  }

  async control(action: ControlAction): Promise<void> {
    this.acting = action;
    this.actionError = null;
    try {
      const variables = { id: this.id };
      const result =
        action === 'pause'
          ? (await runMutation(this.client, PauseOperationMutation, variables)).pauseOperation
          : action === 'resume'
            ? (await runMutation(this.client, ResumeOperationMutation, variables)).resumeOperation
            : action === 'cancel'
              ? (await runMutation(this.client, CancelOperationMutation, variables)).cancelOperation
              : (await runMutation(this.client, PromoteOperationMutation, variables)).promoteOperation;
      this.actionError = unionError(result)?.message ?? null;
      this.#refresh.request();
    } catch (error) {
      this.actionError = describeError(error, `The operation could not be told to ${action}.`);
    } finally {
      this.acting = null;
    }
  }

  #subscribe(): void {
    const previous = this.#subscription;
    this.#subscription = null;
    previous?.unsubscribe();
    let subscription: Subscription | null = null;
    subscription = pipe(
      this.client.subscription(OperationProgressSubscription, { id: this.id, afterSequence: this.#lastSequence }),
      // The OC ends the stream of a subscriber that fell too far behind; start again from where it was.
      onEnd(() => {
        if (this.#disposed || this.#subscription !== subscription) return;
        this.#subscription = null;
        setTimeout(() => {
          if (!this.#disposed && !this.#subscription) this.#subscribe();
        }, backoffDelay(this.#retries++));
      }),
      subscribe((result) => {
        if (result.data) this.#apply(result.data.operationProgress);
      }),
    );
    this.#subscription = subscription;
  }

  #apply(event: OperationProgressEvent): void {
    this.#retries = 0;
    if (this.#lastSequence !== null && event.sequence <= this.#lastSequence) return;
    this.#lastSequence = event.sequence;
    if (event.__typename === 'OperationUpdate' && this.operation) {
      this.operation = { ...this.operation, state: event.state, stateReason: event.reason, progress: event.progress };
    } else if (event.__typename === 'StepUpdate') {
      const step = this.steps.find((candidate) => candidate.id === event.stepId);
      if (step) {
        step.state = event.stepState;
        step.message = event.message;
        const timeField = STEP_TIME[event.stepState];
        if (timeField && !step[timeField]) step[timeField] = event.at;
      }
    }
    this.#refresh.request();
  }
}
