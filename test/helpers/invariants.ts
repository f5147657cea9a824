import { parseDuration } from '../../agent/src/shared/duration.ts';
import type { LiveAgent, LiveOc } from './live-fleet.ts';
import { alive } from './live-fleet.ts';

/**
 * The invariant checker of reliability.md R12. It watches the workers themselves (their process
 * ids from their agent's state file, and their /health endpoints) many times a second, as the
 * agents see them, independently of what the OC believes, and records the first violation of:
 *   I1  a cluster never has more unhealthy workers than its operation's budget allows;
 *   I3  no worker is restarted more than once by one operation;
 * and, once an operation has ended (checkOperation):
 *   I3  every SUCCEEDED step restarted its worker exactly once, and no other step restarted it;
 *   I4  a batch starts only after every step of the previous one has finished, each healthy for minHealthyTime;
 *   I5  it FAILED exactly when its failures exceeded maxFailures (or a canary failed);
 *   I6  the operation and each of its steps ended in exactly one terminal state;
 *   I8  the agent never saw an epoch newer than the operation's.
 */
export class InvariantChecker {
  readonly violations: string[] = [];
  readonly #restarts = new Map<string, number>();
  readonly #pids = new Map<string, number>();
  readonly #unhealthyStreak = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #sampling: Promise<void> | null = null;
  #firstViolation: ((message: string) => void) | null = null;
  /** Rejects on the first violation, so a test can stop at once. */
  readonly failed: Promise<never>;

  constructor(
    private readonly oc: LiveOc,
    private readonly agents: LiveAgent[],
    /** Per cluster, how many of its workers may be unhealthy at once. */
    private readonly budgets: Record<string, number>,
    private readonly pollMs = 50,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.#firstViolation = (message) => reject(new Error(`invariant violated: ${message}`));
    });
    this.failed.catch(() => {});
  }

  start(): void {
    for (const agent of this.agents) {
      for (let index = 0; index < agent.ports.length; index += 1) {
        const name = agent.workerName(index);
        this.#pids.set(name, agent.pid(name));
        this.#restarts.set(name, 0);
      }
    }
    this.#timer = setInterval(() => {
      this.#sampling ??= this.#sample().finally(() => {
        this.#sampling = null;
      });
    }, this.pollMs);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#sampling;
  }

  /** How many times each worker's process changed since start(). */
  restarts(): Record<string, number> {
    return Object.fromEntries(this.#restarts);
  }

  #violate(message: string): void {
    this.violations.push(message);
    this.#firstViolation?.(message);
  }

  async #sample(): Promise<void> {
    for (const agent of this.agents) {
      const cluster = agent.options.cluster;
      const budget = this.budgets[cluster];
      const probes = await Promise.all(
        agent.ports.map(async (port, index) => {
          const name = agent.workerName(index);
          const pid = agent.pid(name);
          if (pid !== this.#pids.get(name)) {
            this.#pids.set(name, pid);
            this.#restarts.set(name, (this.#restarts.get(name) ?? 0) + 1);
          }
          let healthy = false;
          if (alive(pid)) {
            try {
              healthy = (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })).ok;
            } catch {
              healthy = false;
            }
          }
          // Two unhealthy samples in a row, so a probe that merely timed out on a busy machine is not counted.
          const streak = healthy ? 0 : (this.#unhealthyStreak.get(name) ?? 0) + 1;
          this.#unhealthyStreak.set(name, streak);
          return { name, unhealthy: streak >= 2 };
        }),
      );
      const unhealthy = probes.filter((probe) => probe.unhealthy).map((probe) => probe.name);
      if (budget !== undefined && unhealthy.length > budget) {
        this.#violate(`I1: ${cluster} had ${unhealthy.length} unhealthy workers (${unhealthy.join(', ')}), more than its budget of ${budget}`);
      }
    }
  }

  /** Checks an ended operation against what was observed. `restartsBefore` are restarts() when it began. */
  async checkOperation(operationId: string, restartsBefore: Record<string, number> = {}): Promise<void> {
    const result = await this.oc.query(
      `query($id: ID!) {
        operation(id: $id) {
          kind state stateReason epoch
          strategy { maxFailures minHealthyTime }
          steps(first: 100) { nodes { batch canary nodeName phase state dispatchedAt restartedAt healthyAt finishedAt } }
        }
      }`,
      { id: operationId },
    );
    const operation = result.operation;
    const steps: {
      batch: number;
      canary: boolean;
      nodeName: string;
      phase: 'APPLY' | 'ROLLBACK';
      state: string;
      dispatchedAt: string | null;
      restartedAt: string | null;
      healthyAt: string | null;
      finishedAt: string | null;
    }[] = operation.steps.nodes;
    const terminal = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
    if (!terminal.includes(operation.state)) this.#violate(`I6: operation ${operationId} is ${operation.state}, not terminal`);
    // A DEPLOY step its manager reverted restarts its worker twice (the change, then the revert), and a rollback step once more.
    const allowed = (name: string) =>
      steps.filter((step) => step.nodeName === name && step.dispatchedAt).reduce((sum, step) => sum + (step.state === 'REVERTED' ? 2 : 1), 0);
    for (const step of steps) {
      if (!terminal.includes(step.state) && step.state !== 'REVERTED') this.#violate(`I6: step ${step.nodeName} is ${step.state}, not terminal`);
      const restarts = (this.#restarts.get(step.nodeName) ?? 0) - (restartsBefore[step.nodeName] ?? 0);
      if (restarts > Math.max(1, allowed(step.nodeName))) this.#violate(`I3: ${step.nodeName} was restarted ${restarts} times by one operation`);
      if (step.state === 'SUCCEEDED' && allowed(step.nodeName) === 1 && restarts !== 1)
        this.#violate(`I3: ${step.nodeName} SUCCEEDED but its process changed ${restarts} times`);
      if (step.state === 'PENDING' || (step.state === 'CANCELLED' && !step.dispatchedAt)) {
        if (restarts !== 0) this.#violate(`I3: ${step.nodeName} was never dispatched but its process changed`);
      }
    }
    const minHealthyMs = parseDuration(operation.strategy.minHealthyTime) ?? 0;
    const batches = [...new Set(steps.map((step) => step.batch))].sort((a, b) => a - b);
    for (let index = 1; index < batches.length; index += 1) {
      const previous = steps.filter((step) => step.batch === batches[index - 1]);
      const current = steps.filter((step) => step.batch === batches[index] && step.dispatchedAt);
      const previousDone = Math.max(...previous.map((step) => (step.finishedAt ? Date.parse(step.finishedAt) : Number.POSITIVE_INFINITY)));
      for (const step of current) {
        if (Date.parse(step.dispatchedAt as string) < previousDone)
          this.#violate(`I4: ${step.nodeName} (batch ${step.batch}) started before batch ${batches[index - 1]} had finished`);
      }
    }
    // A DEPLOY's manager watches the worker healthy for minHealthyTime before it reports, so there the time counts from dispatch.
    const healthyFrom = (step: (typeof steps)[number]) => (operation.kind === 'DEPLOY' ? step.dispatchedAt : step.restartedAt) as string;
    for (const step of steps.filter((candidate) => candidate.state === 'SUCCEEDED')) {
      if (Date.parse(step.healthyAt as string) - Date.parse(healthyFrom(step)) < minHealthyMs) {
        this.#violate(`I4: ${step.nodeName} counted healthy less than minHealthyTime after its restart`);
      }
    }
    const failures = steps.filter((step) => step.phase === 'APPLY' && ['FAILED', 'TIMED_OUT', 'REVERTED'].includes(step.state));
    const shouldFail = failures.length > operation.strategy.maxFailures || failures.some((step) => step.canary);
    if (operation.state === 'SUCCEEDED' && shouldFail) this.#violate(`I5: ${failures.length} failures but the operation SUCCEEDED`);
    if (operation.state === 'FAILED' && !shouldFail) this.#violate(`I5: the operation FAILED with only ${failures.length} failures`);
    for (const agent of this.agents) {
      const epochs = (agent.state() as { epochs?: Record<string, number> }).epochs ?? {};
      if ((epochs[operationId] ?? 0) > operation.epoch) this.#violate(`I8: the agent saw epoch ${epochs[operationId]}, newer than ${operation.epoch}`);
    }
  }
}
