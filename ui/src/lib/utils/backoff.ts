const BASE_MS = 1_000;
const MAX_MS = 30_000;

/**
 * Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to 30 s. The jitter keeps many
 * dashboards from reconnecting in step after the OC restarts.
 */
export function backoffDelay(attempt: number): number {
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
