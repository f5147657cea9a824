/**
 * Whether a browser origin may open a WebSocket to the OC: the OC's own origin or one configured
 * as allowed. No Origin header means no browser (an agent, a script), which is allowed; anything
 * else a browser could send, including `null` from sandboxed frames and values that do not parse,
 * is foreign.
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  if (!host) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host === host.toLowerCase();
}
