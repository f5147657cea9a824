import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ApiClient } from './api-client.ts';
import type { CliError } from './cli-error.ts';
import { FINAL_STATES, fetchOperation, type Operation, type ProgressEvent, progressSubscription, type Step } from './op.api.ts';
import { followHeadline, progressText, timestamp } from './op.format.ts';

const FINAL_STEP_STATES = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'REVERTED']);

type LiveEvent = Exclude<ProgressEvent, { __typename: 'OperationResyncRequired' }>;

/** An operation as last seen: a snapshot with the live events after it applied in order. */
export class OperationTracker {
  constructor(
    public operation: Operation,
    /** The newest event applied (or read with the snapshot); older ones are replays. */
    public sequence: number,
  ) {}

  get final(): boolean {
    return FINAL_STATES.has(this.operation.state);
  }

  /** Applies a live event; false for one already seen (the socket replays after a reconnect). */
  apply(event: LiveEvent): boolean {
    if (event.sequence <= this.sequence) return false;
    this.sequence = event.sequence;
    if (event.__typename === 'OperationUpdate') {
      this.operation = { ...this.operation, state: event.state, stateReason: event.reason, progress: event.progress };
    } else {
      const step = this.operation.steps.find((candidate) => candidate.id === event.stepId);
      if (step) Object.assign(step, { state: event.stepState, message: event.message });
    }
    return true;
  }

  clusters(): string[] {
    return [...new Set(this.operation.steps.map((step) => step.clusterName))];
  }

  batchCount(): number {
    return Math.max(0, ...this.operation.steps.map((step) => step.batch));
  }

  /** The newest batch with a step under way or done; batch 1 before anything started. */
  currentBatch(): number {
    return Math.max(1, ...this.operation.steps.filter((step) => step.state !== 'PENDING').map((step) => step.batch));
  }
}

/** Renders a followed operation: bars on a terminal, one line per transition otherwise. */
export interface ProgressView {
  start(tracker: OperationTracker): void;
  event(tracker: OperationTracker, event: LiveEvent): void;
  resynced(tracker: OperationTracker): void;
  stop(): void;
}

function stepLabel(step: Pick<Step, 'batch' | 'canary' | 'nodeName' | 'clusterName'>): string {
  return `${step.clusterName}/${step.nodeName} (batch ${step.batch}${step.canary ? ', canary' : ''})`;
}

function headline(tracker: OperationTracker): string {
  return followHeadline(tracker.operation, tracker.operation.steps.length, tracker.batchCount());
}

/** For logs and pipes: every transition on a line of its own, with the time it happened. */
export class LineView implements ProgressView {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  start(tracker: OperationTracker): void {
    this.out.write(`${headline(tracker)} (${progressText(tracker.operation.progress)})\n`);
    for (const step of tracker.operation.steps.filter((candidate) => candidate.state !== 'PENDING' && !FINAL_STEP_STATES.has(candidate.state))) {
      this.out.write(`under way: ${stepLabel(step)} ${step.state}: ${step.message}\n`);
    }
  }

  event(_tracker: OperationTracker, event: LiveEvent): void {
    const at = timestamp(event.at);
    if (event.__typename === 'OperationUpdate') this.out.write(`${at} operation ${event.state}: ${event.reason} (${progressText(event.progress)})\n`);
    else this.out.write(`${at} ${stepLabel(event)} ${event.stepState}: ${event.message}\n`);
  }

  resynced(tracker: OperationTracker): void {
    this.out.write(`(events were missed; reread the operation: ${tracker.operation.state}, ${progressText(tracker.operation.progress)})\n`);
  }

  stop(): void {}
}

/** Clusters beyond this many share the total bar instead of getting one each. */
const MAX_CLUSTER_BARS = 8;

/**
 * For a terminal: a bar for the batch under way, one per cluster when there are several, and a
 * total; finished steps and state changes scroll above the bars as lines.
 */
export class BarView implements ProgressView {
  readonly #bars = new MultiBar(
    {
      format: '{label} {bar} {value}/{total} {detail}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      // Ctrl-C is handled by the command, which stops the bars itself.
      gracefulExit: false,
      stream: process.stdout,
    },
    Presets.shades_classic,
  );
  #batch: SingleBar | null = null;
  #total: SingleBar | null = null;
  readonly #clusters = new Map<string, SingleBar>();
  #labelWidth = 0;

  start(tracker: OperationTracker): void {
    const clusters = tracker.clusters();
    const batchLabel = `batch ${tracker.batchCount()}/${tracker.batchCount()}`;
    this.#labelWidth = Math.max(batchLabel.length, 'total'.length, ...(clusters.length > 1 ? clusters.map((name) => name.length) : []));
    this.#bars.log(`${headline(tracker)}\n`);
    if (clusters.length > 1 && clusters.length <= MAX_CLUSTER_BARS) {
      for (const cluster of clusters) this.#clusters.set(cluster, this.#bars.create(1, 0, { label: this.#label(cluster), detail: '' }));
    }
    this.#batch = this.#bars.create(1, 0, { label: this.#label('batch'), detail: '' });
    this.#total = this.#bars.create(Math.max(1, tracker.operation.steps.length), 0, { label: this.#label('total'), detail: '' });
    this.#render(tracker);
  }

  event(tracker: OperationTracker, event: LiveEvent): void {
    if (event.__typename === 'OperationUpdate') this.#bars.log(`${timestamp(event.at)} operation ${event.state}: ${event.reason}\n`);
    else if (FINAL_STEP_STATES.has(event.stepState)) this.#bars.log(`${timestamp(event.at)} ${stepLabel(event)} ${event.stepState}: ${event.message}\n`);
    this.#render(tracker);
  }

  resynced(tracker: OperationTracker): void {
    this.#bars.log('(events were missed; reread the operation)\n');
    this.#render(tracker);
  }

  stop(): void {
    // stop() renders the bars one last time but drops pending log lines; update() writes them.
    this.#bars.update();
    this.#bars.stop();
  }

  #label(text: string): string {
    return text.padEnd(this.#labelWidth);
  }

  #render(tracker: OperationTracker): void {
    const { steps, state, progress } = tracker.operation;
    const done = (list: Step[]) => list.filter((step) => FINAL_STEP_STATES.has(step.state)).length;
    for (const [cluster, bar] of this.#clusters) {
      const ofCluster = steps.filter((step) => step.clusterName === cluster);
      bar.setTotal(ofCluster.length);
      bar.update(done(ofCluster), { detail: '' });
    }
    const number = tracker.currentBatch();
    const batch = steps.filter((step) => step.batch === number);
    const underway = batch.filter((step) => !FINAL_STEP_STATES.has(step.state) && step.state !== 'PENDING');
    this.#batch?.setTotal(Math.max(1, batch.length));
    this.#batch?.update(done(batch), {
      label: this.#label(`batch ${number}/${tracker.batchCount()}`),
      detail: underway.map((step) => `${step.nodeName} ${step.state}`).join(', '),
    });
    const failures = progress.failed ? `, ${progress.failed} failed` : '';
    this.#total?.update(done(steps), { detail: `${state}${failures}` });
  }
}

/**
 * Follows an operation from a snapshot until it ends, over the operationProgress subscription
 * resumed after the snapshot's sequence; resolves with the final operation, reread so that
 * every step's last message is in it.
 */
export function followOperation(client: ApiClient, start: { operation: Operation; sequence: number }, view: ProgressView): Promise<Operation> {
  const tracker = new OperationTracker(start.operation, start.sequence);
  const id = start.operation.id;
  view.start(tracker);
  return new Promise<Operation>((resolve, reject) => {
    let unsubscribe = () => {};
    let settled = false;
    const fail = (error: CliError | Error) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      reject(error);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      unsubscribe();
      fetchOperation(client, id).then(({ operation }) => resolve(operation), reject);
    };
    const resync = () => {
      unsubscribe();
      fetchOperation(client, id).then(({ operation, sequence }) => {
        tracker.operation = operation;
        tracker.sequence = sequence;
        view.resynced(tracker);
        if (tracker.final) finish();
        else subscribe();
      }, fail);
    };
    const subscribe = () => {
      const { query, variables } = progressSubscription(id, tracker.sequence);
      unsubscribe = client.subscribe<{ operationProgress: ProgressEvent }>(query, variables, {
        next: ({ operationProgress: event }) => {
          if (settled) return;
          if (event.__typename === 'OperationResyncRequired') return resync();
          if (!tracker.apply(event)) return;
          view.event(tracker, event);
          if (tracker.final) finish();
        },
        error: fail,
      });
    };
    if (tracker.final) finish();
    else subscribe();
  });
}
