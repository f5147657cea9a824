import { createHash, randomBytes } from 'node:crypto';

/** Token kinds are told apart by prefix, so a leaked token is recognisable and routed without a lookup. */
export const TOKEN_PREFIX = {
  session: 'ocs_',
  apiToken: 'oct_',
  agent: 'oca_',
  enrollment: 'oce_',
} as const;

export type TokenKind = keyof typeof TOKEN_PREFIX;

export function newToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

/** Tokens are stored only as hashes; they have full entropy, so a fast hash is enough. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenKind(token: string): TokenKind | undefined {
  return (Object.keys(TOKEN_PREFIX) as TokenKind[]).find((kind) => token.startsWith(TOKEN_PREFIX[kind]));
}

export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

const SECRET_KEYS = /pass(word)?|token|secret|credential|authorization/i;

/** A copy of `args` fit for the audit log: secret-looking keys are replaced at any depth. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, 100).map(redact);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, SECRET_KEYS.test(key) ? '[redacted]' : redact(inner)]),
    );
  }
  if (typeof value === 'string') {
    // Control characters would break JSON storage (NUL) and log readers; keep them visible but inert.
    const printable = value.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return printable.length > 500 ? `${printable.slice(0, 500)}…` : printable;
  }
  return value;
}
