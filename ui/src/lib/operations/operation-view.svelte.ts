import type { Client } from '@urql/core';
import type { LiveEventStream } from '$lib/events/live-events';
import type { StepState } from '$lib/graphql/enums';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';
import { describeError, describeLoadError } from '$lib/utils/handle-error';
import { Refresher } from '$lib/utils/refresher';
import { type ControlAction, controlOperation } from './operation-controls';
import { operationProgressFeed } from './operation-progress';
import { type OperationDetails, type OperationProgressEvent, OperationQuery, type OperationStep, OperationStepsQuery } from './operations.graphql';

type Progress = OperationDetails['progress'];

/** Where each step state counts; a REVERTED step also counts as failed, as the OC counts it. */
const PROGRESS_KEY: Record<StepState, keyof Omit<Progress, 'total' | 'reverted'>> = {
  PENDING: 'pending',
  DISPATCHED: 'inFlight',
  RESTARTED: 'inFlight',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  REVERTED: 'failed',
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

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  /** Steps counted from the steps shown, so that the bar moves with each step event. */
  get progress(): Progress | null {
    const operation = this.operation;
    if (!operation) return null;
    if (this.steps.length !== operation.progress.total) return operation.progress;
    const counts: Progress = { total: this.steps.length, pending: 0, inFlight: 0, succeeded: 0, failed: 0, cancelled: 0, reverted: 0 };
    for (const step of this.steps) {
      counts[PROGRESS_KEY[step.state]] += 1;
      if (step.state === 'REVERTED') counts.reverted += 1;
    }
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

  /**
   * Follows the operation's events first and loads after, so that no change falls between the
   * snapshot and the stream; refetches whenever events may have been missed. Returns how to stop.
   */
  start(live: LiveEventStream): () => void {
    const stopFollowing = live.follow(operationProgressFeed(this.id, this.#apply));
    // After a reconnect, whatever happened meanwhile is only in a fresh query.
    const stopResync = live.on('Resync', this.#refresh.request);
    this.#refresh.request();
    return () => {
      stopFollowing();
      stopResync();
      this.#refresh.dispose();
    };
  }

  async control(action: ControlAction): Promise<void> {
    this.acting = action;
    this.actionError = null;
    try {
      this.actionError = await controlOperation(this.client, this.id, action);
      this.#refresh.request();
    } catch (error) {
      this.actionError = describeError(error, `The operation could not be told to ${action}.`);
    } finally {
      this.acting = null;
    }
  }

  #apply = (event: OperationProgressEvent): void => {
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
  };
}
