import type http from 'node:http';

/** Sent with every response: no sniffing, no framing by other sites, no referrer leaking paths. */
const COMMON_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** API responses are data, never documents: nothing in them may load or run anything. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A Content-Security-Policy for a page of the OC's own: scripts only from the OC (and the given inline hashes). */
export function pagePolicy(options: { scriptHashes?: string[]; workers?: string } = {}): string {
  const scripts = ["'self'", ...(options.scriptHashes ?? []).map((hash) => `'${hash}'`)].join(' ');
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    // Components set style attributes; styles cannot run code, scripts stay locked down.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    `worker-src ${options.workers ?? "'self'"}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function setSecurityHeaders(res: http.ServerResponse, policy: string): void {
  for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
  res.setHeader('content-security-policy', policy);
}
