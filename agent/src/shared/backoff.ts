/**
 * Exponential backoff with full jitter: each wait is random in [0, min(max, base * 2^attempt)],
 * so managers that lost the OC together do not all come back at once.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return Math.max(this.baseMs / 2, Math.floor(this.random() * ceiling));
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });
