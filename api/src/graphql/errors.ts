import { GraphQLError } from 'graphql';
import { type YogaMaskedErrorOpts, maskError as yogaMaskError } from 'graphql-yoga';
import {
  ConflictError,
  CredentialError,
  DomainError,
  ERROR_CODES,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  type RequiredAccess,
  ValidationError,
} from '../shared/domain-error.ts';
import { builder } from './builder.ts';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'A stable, machine-readable reason for an expected failure.',
  values: Object.fromEntries(Object.entries(ERROR_CODES).map(([code, description]) => [code, { value: code, description }])),
});

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure the caller can act on. Every mutation result union includes types implementing it.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, description: 'Stable code for programs.', resolve: (error) => error.code }),
    message: t.exposeString('message', { description: 'What went wrong and what to do, for people.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is malformed: an invalid name, tag, target, URL or page size, or an oversized batch.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The argument to fix, when one is to blame.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'Something the input refers to does not exist.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', { description: 'What kind of thing was looked for.' }),
    id: t.exposeString('id', { description: 'The id or name that was looked for.' }),
  }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The input is well-formed but conflicts with the current state (a taken name, the last admin).',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(CredentialError, {
  name: 'CredentialError',
  description: 'A password or token was refused: wrong, expired, already used, or for another cluster.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

const RequiredRoleEnum = builder.enumType('RequiredRole', {
  description: 'What a refused call would have needed.',
  values: {
    VIEWER: { description: 'A person’s session or API token (any role).' },
    OPERATOR: { description: 'A person with the operator or admin role.' },
    ADMIN: { description: 'A person with the admin role.' },
    AGENT: { description: 'A cluster’s manager agent credential.' },
  } satisfies Record<RequiredAccess, { description: string }>,
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'The caller may not do this: UNAUTHENTICATED without credentials, FORBIDDEN without the role it needs. Audited.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    requiredRole: t.field({ type: RequiredRoleEnum, description: 'What the call needs.', resolve: (error) => error.requiredRole }),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts (failed logins from one address or for one user, or calls without credentials); nothing was tried.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfter: t.exposeInt('retryAfterSeconds', { description: 'Seconds to wait before trying again.' }),
  }),
});

/**
 * Domain errors reaching the edge outside a result union (from queries and subscriptions)
 * keep their message and get their code; everything else is masked.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: {
        code: original.code,
        ...(original instanceof ValidationError && original.field ? { field: original.field } : {}),
        ...(original instanceof RateLimitedError ? { retryAfter: original.retryAfterSeconds } : {}),
      },
    });
  }
  return yogaMaskError(error, message, isDev);
}

export type { YogaMaskedErrorOpts };
