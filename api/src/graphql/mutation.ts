import type { GraphQLResolveInfo } from 'graphql';
import { type RequestMeta, type Role, roleAtLeast } from '../shared/actor.ts';
import { DomainError, ForbiddenError, type RequiredAccess } from '../shared/domain-error.ts';
import { refuseNul } from '../shared/validation.ts';
import type { Context } from './context.ts';

/** Who may call a mutation: anyone, a manager agent, or a person with at least a role. */
export type Access = 'PUBLIC' | RequiredAccess;

function allowed(context: Context, access: Access): boolean {
  if (access === 'PUBLIC') return true;
  if (access === 'AGENT') return context.meta.actor.type === 'AGENT';
  return context.role !== null && roleAtLeast(context.role, access as Role);
}

/** Refuses a caller without `access`: the refusal is audited (arguments redacted) and returned as a typed ForbiddenError. */
async function checkAccess(context: Context, access: Access, action: string, args: object): Promise<void> {
  if (allowed(context, access)) return;
  const refusal = new ForbiddenError(access as RequiredAccess, context.meta.actor);
  await context.services.transactor.recordOutcome(context.meta, { action, args }, 'DENIED', refusal.code, `requires ${access.toLowerCase()}`);
  throw refusal;
}

/**
 * A mutation's resolver: checks who may call it, then runs it so that every call leaves exactly
 * one audit row. The service writes it together with its change; this writes one for calls that
 * ended before any change (refused, bad input, nothing to do, an unexpected error).
 */
export function audited<Args extends object, Result>(
  action: string,
  access: Access,
  resolve: (meta: RequestMeta, args: Args, context: Context) => Promise<Result>,
) {
  return async (_parent: unknown, args: Args, context: Context, _info: GraphQLResolveInfo): Promise<Result> => {
    await checkAccess(context, access, action, args);
    const meta: RequestMeta = { ...context.meta, audit: { written: false } };
    const { transactor } = context.services;
    try {
      refuseNul(args);
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

/**
 * The resolver of a high-rate mutation (heartbeats): refusals are audited, routine calls are not,
 * so the audit log does not grow with every batch a manager sends.
 */
export function restricted<Args extends object, Result>(
  action: string,
  access: Access,
  resolve: (meta: RequestMeta, args: Args, context: Context) => Promise<Result>,
) {
  return async (_parent: unknown, args: Args, context: Context, _info: GraphQLResolveInfo): Promise<Result> => {
    await checkAccess(context, access, action, args);
    refuseNul(args);
    return resolve(context.meta, args, context);
  };
}
