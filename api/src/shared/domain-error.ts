/** Input quoted in a message: control and invisible characters shown as "?", and bounded. */
function printable(value: string, max = 100): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
  const shown = value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '?');
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/**
 * Expected, user-actionable failures. Services throw these; the GraphQL layer turns them into
 * typed results (mutations) or coded errors (queries). Anything else is masked.
 */
export const ERROR_CODES = {
  INVALID_ARGUMENT: 'An argument is malformed or out of range.',
  INVALID_NAME: 'A name is empty, too long, or uses characters names may not use.',
  INVALID_TAG: 'A tag is malformed or reserved.',
  INVALID_URL: 'A URL is not an absolute http(s) URL.',
  INVALID_TARGET: 'A target is empty, ambiguous, or names clusters, nodes or groups that do not exist.',
  INVALID_PAGINATION: 'first is out of range, or after is not a cursor this list returned.',
  INVALID_PASSWORD: 'A password is too short or too long.',
  INVALID_ROLE: 'A role is higher than the caller may grant.',
  BATCH_TOO_LARGE: 'A batch or report names more items than one call may carry.',
  NOT_FOUND: 'Something the input refers to does not exist.',
  NAME_TAKEN: 'The name is already in use.',
  NODE_IS_MANAGER: 'The node is its cluster’s manager and cannot be removed on its own.',
  TOKEN_INVALID: 'The token is not valid.',
  TOKEN_EXPIRED: 'The token has expired.',
  TOKEN_USED: 'The single-use token was already used.',
  TOKEN_CLUSTER_MISMATCH: 'The token was issued for another cluster.',
  LOGIN_FAILED: 'Wrong username or password, or a disabled account.',
  SESSION_REQUIRED: 'This needs a login session; an API token cannot do it.',
  LAST_ADMIN: 'The change would leave no active admin.',
  CONFLICT: 'The change conflicts with the current state.',
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used for a different request.',
  INVALID_STATE: 'The thing is not in a state that allows this (e.g. the operation has finished).',
  INVALID_SCHEDULE: 'A cron expression or time zone is not valid.',
  UNAUTHENTICATED: 'The call needs credentials: a session, an API token or an agent credential.',
  FORBIDDEN: 'The credentials do not allow this; requiredRole says what would.',
  RATE_LIMITED: 'Too many attempts; wait retryAfter seconds.',
  CONTENT_TOO_LARGE: 'An upload is larger than the OC accepts.',
  CONTENT_EXISTS: 'That kind, name and version is already uploaded with different content.',
  CONTENT_IN_USE: 'A baseline or an unfinished deployment uses the item.',
  BASELINE_CONFLICT: 'Two equally specific baselines want different versions of a file on a node; make one of them more specific or drop one.',
  NOTHING_TO_DEPLOY: 'Every worker of the target already has what it must have.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is malformed; `field` names the argument to fix. */
export class ValidationError extends DomainError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(code, message);
  }
}

export class NotFoundError extends DomainError {
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super('NOT_FOUND', `No ${entity} with id or name "${printable(id)}".`);
  }
}

/** The input is well-formed but conflicts with the current state. */
export class ConflictError extends DomainError {}

/** Credentials (a password or a token) were refused. */
export class CredentialError extends DomainError {}

/** What a refused caller would have needed: a person's role, or a manager agent's credential. */
export type RequiredAccess = 'VIEWER' | 'OPERATOR' | 'ADMIN' | 'AGENT';

const ACCESS_WORDS: Record<RequiredAccess, string> = {
  VIEWER: 'a person’s session or API token',
  OPERATOR: 'the operator role (or admin)',
  ADMIN: 'the admin role',
  AGENT: 'a manager agent’s credential',
};

/** The caller may not do this: not signed in, or without the role (or agent credential) it needs. */
export class ForbiddenError extends DomainError {
  constructor(
    readonly requiredRole: RequiredAccess,
    caller: { type: string; role?: string },
  ) {
    super(
      caller.type === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      caller.type === 'ANONYMOUS'
        ? `Authentication required: this needs ${ACCESS_WORDS[requiredRole]}, sent as "Authorization: Bearer <token>".`
        : `This needs ${ACCESS_WORDS[requiredRole]}; ${caller.role ? `you have the ${caller.role.toLowerCase()} role` : 'these credentials do not allow it'}.`,
    );
  }
}

/** Too many attempts in a short time (logins, anonymous calls); try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super('RATE_LIMITED', `Too many ${what}; try again in ${retryAfterSeconds} s.`);
  }
}
