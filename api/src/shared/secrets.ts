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
/** Deeper than this, arguments are summarised: no input is refused for depth before it is audited. */
const REDACT_DEPTH = 10;
const REDACT_ITEMS = 100;
const REDACT_STRING = 500;

/** A string safe to store and show: control characters visible but inert (NUL cannot be stored at all), bounded length. */
export function storable(text: string, max = REDACT_STRING): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/**
 * A copy of `args` fit for the audit log: secret-looking keys replaced, strings made storable,
 * lists and depth bounded. Walks with its own stack, so no input can overflow the call stack.
 */
export function redact(value: unknown): unknown {
  const copy = (inner: unknown): unknown => {
    if (typeof inner === 'string') return storable(inner);
    if (inner instanceof Date || inner === null || typeof inner !== 'object') return inner;
    return Array.isArray(inner) ? [] : {};
  };
  const root = copy(value);
  const stack: { source: unknown; target: unknown; depth: number }[] = [{ source: value, target: root, depth: 0 }];
  while (stack.length > 0) {
    const { source, target, depth } = stack.pop() as { source: unknown; target: unknown; depth: number };
    if (source === null || typeof source !== 'object' || source instanceof Date) continue;
    const entries: [string | number, unknown][] = Array.isArray(source)
      ? source.slice(0, REDACT_ITEMS).map((item, index) => [index, item])
      : Object.entries(source as Record<string, unknown>);
    for (const [key, inner] of entries) {
      const name = typeof key === 'string' ? storable(key, 100) : key;
      let stored: unknown;
      if (typeof key === 'string' && SECRET_KEYS.test(key)) stored = '[redacted]';
      else if (depth + 1 >= REDACT_DEPTH && inner !== null && typeof inner === 'object' && !(inner instanceof Date)) stored = '[nested too deeply]';
      else {
        stored = copy(inner);
        stack.push({ source: inner, target: stored, depth: depth + 1 });
      }
      (target as Record<string | number, unknown>)[name] = stored;
    }
  }
  return root;
}
