import type { FieldRef, InputFieldMap, InputShapeFromFields, ShapeFromTypeParam, TypeParam } from '@pothos/core';
import { type RequestMeta, type Role, roleAtLeast } from '../shared/actor.ts';
import { ForbiddenError, type RequiredAccess } from '../shared/domain-error.ts';
import { refuseNul } from '../shared/validation.ts';
import type { builder } from './builder.ts';
import type { Context } from './context.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** Who may call a mutation: anyone, a manager agent, or a person with at least a role. */
export type Access = 'PUBLIC' | RequiredAccess;

/** A mutation's GraphQL shape and what it does. */
export interface MutationSpec<Type extends TypeParam<Types>, Args extends InputFieldMap> {
  type: Type;
  description: string;
  args?: Args;
  /**
   * EVERY_CALL (the default): each call leaves exactly one audit row (success, refusal, failure or
   * error). REFUSALS: only refusals are audited, for a high-rate mutation (heartbeats) whose
   * routine calls would make the audit log grow with every batch a manager sends.
   */
  audit?: 'EVERY_CALL' | 'REFUSALS';
  /** Runs the mutation; `meta` is the one to hand to services, so that their change stores the call's audit row. */
  resolve: (meta: RequestMeta, args: InputShapeFromFields<Args>, context: Context) => Promise<ShapeFromTypeParam<Types, Type, false>>;
}

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
 * Declares a mutation field; every mutation is declared with it. `action` is the mutation's name
 * in the audit log (e.g. "cluster.create"). It checks who may call it, refuses NUL characters in
 * its arguments, runs it through the transactor so that the call leaves exactly one audit row,
 * and returns expected failures as typed errors.
 */
export function mutation<Type extends TypeParam<Types>, Args extends InputFieldMap = Record<never, never>>(
  t: PothosSchemaTypes.MutationFieldBuilder<Types, Types['Root']>,
  action: string,
  access: Access,
  spec: MutationSpec<Type, Args>,
): FieldRef<Types, ShapeFromTypeParam<Types, Type, false>, 'Mutation'> {
  const { audit = 'EVERY_CALL', resolve, ...field } = spec;
  const run = async (_root: unknown, args: InputShapeFromFields<Args>, context: Context) => {
    await checkAccess(context, access, action, args);
    if (audit === 'REFUSALS') {
      refuseNul(args);
      return resolve(context.meta, args, context);
    }
    return context.services.transactor.call(context.meta, { action, args }, (meta) => {
      refuseNul(args);
      return resolve(meta, args, context);
    });
  };
  // Pothos cannot match a resolver to a field type that is still generic here; MutationSpec checks each caller's.
  return t.field<Type, unknown, unknown, false, Args>({ ...field, errors: {}, resolve: run } as never);
}
