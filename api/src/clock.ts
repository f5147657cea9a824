/**
 * All timing goes through a Clock so tests can move time exactly.
 * `now()` is wall time for storage and display; `monotonic()` is for judging elapsed time,
 * which must not jump when the wall clock is adjusted; `timeout()` aborts once `ms` have passed.
 */
export interface Clock {
  now(): Date;
  monotonic(): number;
  timeout(ms: number): AbortSignal;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonic: () => performance.now(),
  timeout: (ms) => AbortSignal.timeout(ms),
};

/** A clock that moves only when told to; used by tests and simulations. */
export class ManualClock implements Clock {
  #wall: number;
  #mono = 0;
  #timeouts: { at: number; controller: AbortController }[] = [];

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#wall = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#wall);
  }

  monotonic(): number {
    return this.#mono;
  }

  timeout(ms: number): AbortSignal {
    const controller = new AbortController();
    this.#timeouts.push({ at: this.#mono + ms, controller });
    return controller.signal;
  }

  advance(ms: number): void {
    this.#wall += ms;
    this.#mono += ms;
    const due = this.#timeouts.filter((timeout) => timeout.at <= this.#mono);
    this.#timeouts = this.#timeouts.filter((timeout) => timeout.at > this.#mono);
    for (const { controller } of due) controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
  }
}
