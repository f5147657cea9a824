import { formatDuration, parseDuration } from '@opscenter/agent/shared/duration';
import SchemaBuilder from '@pothos/core';
import DrizzlePlugin from '@pothos/plugin-drizzle';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { GraphQLError, Kind } from 'graphql';
import { DateTimeResolver, JSONObjectResolver, SafeIntResolver } from 'graphql-scalars';
import { relations } from '../db/relations.ts';
import { ConflictError, CredentialError, ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../shared/domain-error.ts';
import type { Context } from './context.ts';

export interface PothosTypes {
  Context: Context;
  DrizzleRelations: typeof relations;
  AuthScopes: {
    /** Any person: a session or an API token. */
    viewer: boolean;
    operator: boolean;
    admin: boolean;
    /** A manager agent's credential. */
    agent: boolean;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    SafeInt: { Input: number; Output: number };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    Duration: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}

export const builder = new SchemaBuilder<PothosTypes>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, DrizzlePlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      viewer: context.role !== null,
      operator: context.role === 'OPERATOR' || context.role === 'ADMIN',
      admin: context.role === 'ADMIN',
      agent: context.meta.actor.type === 'AGENT',
    }),
    unauthorizedError: (_parent, context) =>
      context.meta.actor.type === 'ANONYMOUS'
        ? new GraphQLError('Authentication required: send a session or API token as "Authorization: Bearer <token>".', {
            extensions: { code: 'UNAUTHENTICATED' },
          })
        : new GraphQLError('Your credentials do not allow this.', { extensions: { code: 'FORBIDDEN' } }),
  },
  errors: {
    // Only expected domain failures become typed results; anything else stays an error and is masked.
    defaultTypes: [ValidationError, NotFoundError, ConflictError, CredentialError, ForbiddenError, RateLimitedError],
    directResult: true,
    defaultUnionOptions: { description: 'The mutation’s result, or an expected error (every error type implements Error).' },
  },
  drizzle: {
    client: (context) => context.db,
    getTableConfig,
    relations,
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('SafeInt', SafeIntResolver);
/** JSON inputs (labels, details) deeper than this are refused as they are parsed, before anything walks them. */
export const JSON_INPUT_DEPTH = 10;

function checkDepth(value: unknown): unknown {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > JSON_INPUT_DEPTH) throw new GraphQLError(`A JSON object may not be nested more than ${JSON_INPUT_DEPTH} levels deep.`);
    for (const inner of Object.values(current)) stack.push([inner, depth + 1]);
  }
  return value;
}

builder.scalarType('JSONObject', {
  description: `${JSONObjectResolver.description} Nested at most ${JSON_INPUT_DEPTH} levels deep.`,
  serialize: (value) => JSONObjectResolver.serialize(value),
  parseValue: (value) => JSONObjectResolver.parseValue(checkDepth(value)) as Record<string, unknown>,
  parseLiteral: (node, variables) => checkDepth(JSONObjectResolver.parseLiteral(node, variables)) as Record<string, unknown>,
});

function durationInput(value: unknown): number {
  const parsed = typeof value === 'string' ? parseDuration(value) : null;
  if (parsed === null) throw new GraphQLError(`A Duration is written like "250ms", "10s", "5m", "1h30m" or "2d" (got ${JSON.stringify(value)}).`);
  return parsed;
}

builder.scalarType('Duration', {
  description: 'A length of time, written like "250ms", "10s", "5m", "1h30m" or "2d" (exact: "9m45s").',
  serialize: (value) => formatDuration(value as number),
  parseValue: durationInput,
  parseLiteral: (node) => durationInput(node.kind === Kind.STRING ? node.value : undefined),
});
