import { ValidationError } from './domain-error.ts';

export const PAGE_MAX = 100;

export interface PageArgs {
  first: number;
  after?: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: () => Promise<number>;
}

/** A validated page request: how many rows to return and the sort key to continue after. */
export interface PageRequest {
  first: number;
  after: unknown[] | null;
}

export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function checkPage(args: PageArgs, keyLength: number): PageRequest {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > PAGE_MAX)
    throw new ValidationError('INVALID_PAGINATION', `first must be between 1 and ${PAGE_MAX} (got ${args.first}).`, 'first');
  if (args.after === null || args.after === undefined) return { first: args.first, after: null };
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || key.length !== keyLength || key.some((part) => typeof part !== 'string' && typeof part !== 'number'))
    throw new ValidationError('INVALID_PAGINATION', 'The after cursor is not one this list returned; start again without it.', 'after');
  return { first: args.first, after: key };
}

/**
 * Builds a page from rows fetched with `limit first + 1` in key order: the extra row only
 * tells whether another page exists.
 */
export function toPage<T>(rows: T[], request: PageRequest, keyOf: (row: T) => unknown[], totalCount: () => Promise<number>): Page<T> {
  const visible = rows.slice(0, request.first);
  const edges = visible.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return { edges, hasNextPage: rows.length > request.first, endCursor: edges.at(-1)?.cursor ?? null, totalCount };
}

/** Pages an already sorted in-memory list by its keys (for small, computed lists). */
export function pageInMemory<T>(sorted: T[], request: PageRequest, keyOf: (row: T) => unknown[], compare: (a: unknown[], b: unknown[]) => number): Page<T> {
  const start = request.after ? sorted.findIndex((row) => compare(keyOf(row), request.after as unknown[]) > 0) : 0;
  const rest = start < 0 ? [] : sorted.slice(start, start + request.first + 1);
  return toPage(rest, request, keyOf, async () => sorted.length);
}
