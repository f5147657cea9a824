import type { GraphQLResolveInfo } from 'graphql';
import { type RequestMeta, type Role, roleAtLeast } from '../shared/actor.ts';
import { DomainError } from '../shared/domain-error.ts';
import type { Context } from './context.ts';

/** Who may call a field: anyone, a manager agent, or a person with at least a role. */
export type Access = 'PUBLIC' | 'AGENT' | Role;

function allowed(context: Context, access: Access): boolean {
  if (access === 'PUBLIC') return true;
  if (access === 'AGENT') return context.meta.actor.type === 'AGENT';
  return context.role !== null && roleAtLeast(context.role, access);
}

/**
 * The authorization check of a mutation. A refusal is audited (with the arguments it was
 * given, secrets redacted) before the caller gets FORBIDDEN or UNAUTHENTICATED.
 */
export function guard(access: Access, action: string) {
  return async (_parent: unknown, args: object, context: Context, _info: GraphQLResolveInfo): Promise<boolean> => {
    if (allowed(context, access)) return true;
    await context.services.transactor.recordOutcome(
      context.meta,
      { action, args },
      'DENIED',
      context.meta.actor.type === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      `requires ${access.toLowerCase()}`,
    );
    return false;
  };
}

/**
 * Wraps a mutation resolver so that every call leaves exactly one audit row: the service
 * writes it together with its change, and this writes one for calls that ended before any
 * change (bad input, nothing to do, an unexpected error).
 */
export function audited<Args extends object, Result>(
  action: string,
  resolve: (meta: RequestMeta, args: Args, context: Context) => Promise<Result>,
) {
  return async (_parent: unknown, args: Args, context: Context): Promise<Result> => {
    const meta: RequestMeta = { ...context.meta, audit: { written: false } };
    const { transactor } = context.services;
    try {
      const result = await resolve(meta, args, context);
      if (!meta.audit?.written) await transactor.recordOutcome(meta, { action, args }, 'SUCCESS', null, null);
      return result;
    } catch (error) {
      if (!meta.audit?.written) {
        const expected = error instanceof DomainError;
        await transactor.recordOutcome(
          meta,
          { action, args },
          expected ? 'FAILED' : 'ERROR',
          expected ? error.code : 'INTERNAL',
          expected ? error.message : null,
        );
      }
      throw error;
    }
  };
}
