/**
 * All timing goes through a Clock so tests can move time exactly.
 * `now()` is wall time for storage and display; `monotonic()` is for judging elapsed time,
 * which must not jump when the wall clock is adjusted.
 */
export interface Clock {
  now(): Date;
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonic: () => performance.now(),
};

/** A clock that moves only when told to; used by tests and simulations. */
export class ManualClock implements Clock {
  #wall: number;
  #mono = 0;

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#wall = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#wall);
  }

  monotonic(): number {
    return this.#mono;
  }

  advance(ms: number): void {
    this.#wall += ms;
    this.#mono += ms;
  }
}
