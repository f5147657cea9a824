export interface PollOptions {
  /** How long the condition gets before the test fails. */
  timeoutMs?: number;
  intervalMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `check` until it returns without throwing, and returns what it returned; after
 * `timeoutMs` the test fails with the last error. Assertions inside `check` say what is awaited.
 */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 5_000, intervalMs = 20 }: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await pause(intervalMs);
  }
}

/**
 * Runs `check` again and again for `forMs`, failing on the first throw: for what must not happen,
 * given the time it would need to happen.
 */
export async function consistently(check: () => unknown, { forMs, intervalMs = 20 }: { forMs: number; intervalMs?: number }): Promise<void> {
  const end = Date.now() + forMs;
  do {
    await check();
    await pause(intervalMs);
  } while (Date.now() < end);
  await check();
}
