import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Actor, RequestMeta } from '../shared/actor.ts';
import { type DomainError, ValidationError } from '../shared/domain-error.ts';

/* What the HTTP endpoints beside /graphql (content, reports) share: who calls, and errors as GraphQL shapes them. */

export interface RestCallerDeps {
  authenticate(authorization: string | undefined): Promise<Actor | null>;
  /** Seconds an address must wait before calling again without credentials, or null when it may. */
  anonymousCallRefused(meta: RequestMeta): Promise<number | null>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** A typed error as JSON, `{"errors":[{"message","extensions":{"code","field"}}]}`, with the status `statusOf` gives it. */
export function sendDomainError(res: http.ServerResponse, error: DomainError, status: number): void {
  const field = error instanceof ValidationError ? error.field : undefined;
  sendJson(res, status, { errors: [{ message: error.message, extensions: { code: error.code, ...(field ? { field } : {}) } }] });
}

/**
 * The request's caller, or null once it has been answered: 401 for a token that is not valid, 429 for
 * an address calling too often without credentials (refusals are audited, so those are limited per
 * address as GraphQL's are). A refusal closes the connection rather than read an upload it will not use.
 */
export async function restCaller(req: http.IncomingMessage, res: http.ServerResponse, deps: RestCallerDeps): Promise<RequestMeta | null> {
  const actor = await deps.authenticate(req.headers.authorization);
  if (!actor) {
    sendJson(res, 401, {
      errors: [{ message: 'The token is invalid, expired or revoked; log in again or use another token.', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    return null;
  }
  const meta: RequestMeta = { actor, requestId: randomUUID(), clientAddress: req.socket.remoteAddress ?? 'unknown' };
  const wait = actor.type === 'ANONYMOUS' ? await deps.anonymousCallRefused(meta) : null;
  if (wait === null) return meta;
  res.setHeader('retry-after', String(wait));
  res.setHeader('connection', 'close');
  sendJson(res, 429, {
    errors: [
      { message: `Too many calls without credentials from this address; try again in ${wait} s.`, extensions: { code: 'RATE_LIMITED', retryAfter: wait } },
    ],
  });
  return null;
}
