import {
  type DocumentNode,
  defaultFieldResolver,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type ValidationRule,
  visit,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import type { Clock } from '../clock.ts';
import type { Services } from '../services.ts';
import type { RequestMeta } from '../shared/actor.ts';
import { pathOfNul } from '../shared/validation.ts';
import type { Context } from './context.ts';

/**
 * How a field counts toward a query's cost, set in its `extensions`:
 * `pageItems`: a list whose length the parent's `first` decides (a connection's edges and nodes);
 * `maxItems`: the most items a list without `first` can hold.
 */
export interface CostExtensions {
  pageItems?: boolean;
  maxItems?: number;
}

/** A list field whose length nothing in the query bounds is assumed to hold this many items. */
const DEFAULT_LIST_ITEMS = 10;

/**
 * Counts the objects a query could return, GitHub's way: a connection asked for `first: n` holds
 * n of whatever each item costs, variables included, so a page size in a variable costs the same
 * as one written in the query. Leaf values are free.
 */
const objectEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const type = getNullableType(field.type);
  if (isLeafType(getNamedType(type))) return 0;
  const cost = (field.extensions ?? {}) as CostExtensions;
  if (typeof args.first === 'number') return 1 + Math.max(0, args.first) * childComplexity;
  if (!isListType(type)) return 1 + childComplexity;
  if (cost.pageItems) return 1 + childComplexity;
  return (cost.maxItems ?? DEFAULT_LIST_ITEMS) * (1 + childComplexity);
};

/** The cost of an operation, or null when its variables do not fit (execution then reports why). */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables?: Record<string, unknown> | null,
  operationName?: string | null,
): number | null {
  try {
    return getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [objectEstimator] });
  } catch {
    return null;
  }
}

export function tooCostly(cost: number, max: number): GraphQLError {
  return new GraphQLError(
    `This query could return about ${cost} objects, more than the ${max} one request may ask for; ask for smaller pages or fewer nested lists.`,
    { extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: max } },
  );
}

export function deadlineExceeded(ms: number): GraphQLError {
  return new GraphQLError(`The query ran longer than ${Math.round(ms / 1000)} s and was stopped; ask for less.`, {
    extensions: { code: 'DEADLINE_EXCEEDED' },
  });
}

/** Counts list items as they are resolved, so one request cannot resolve more than the cap whatever the estimate said. */
export class ResolveBudget {
  #left: number;

  constructor(readonly max: number) {
    this.#left = max;
  }

  spend(items: number): void {
    this.#left -= items;
    if (this.#left < 0) {
      throw new GraphQLError(`This request resolved more than ${this.max} list items and was stopped; ask for less.`, {
        extensions: { code: 'RESULT_TOO_LARGE' },
      });
    }
  }
}

/**
 * Makes every field returning a list of objects spend its item count from the request's
 * ResolveBudget. Subscriptions are not counted: each event's result is small and bounded by cost.
 */
export function countListItems(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type)) || isLeafType(getNamedType(field.type))) continue;
      const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const value = resolve(source, args, context, info);
        if (info.operation.operation === 'subscription' || !context?.budget) return value;
        const spend = (items: unknown) => {
          if (Array.isArray(items)) context.budget.spend(items.length);
          return items;
        };
        return value instanceof Promise ? value.then(spend) : spend(value);
      };
    }
  }
  return schema;
}

/** Fields a request may call at most once: each is a guess at a secret, and aliases would multiply the guesses. */
const ONCE_PER_REQUEST = new Set(['login', 'registerManager']);

export const oncePerRequestRule: ValidationRule = (context) => {
  const seen = new Map<string, number>();
  return {
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      for (const selection of node.selectionSet.selections) {
        if (selection.kind !== Kind.FIELD || !ONCE_PER_REQUEST.has(selection.name.value)) continue;
        const count = (seen.get(selection.name.value) ?? 0) + 1;
        seen.set(selection.name.value, count);
        if (count === 2) {
          context.reportError(
            new GraphQLError(`Call ${selection.name.value} at most once per request.`, { nodes: [selection], extensions: { code: 'TOO_MANY_ATTEMPTS' } }),
          );
        }
      }
    },
  };
};

function operationOf(args: ExecutionArgs): OperationDefinitionNode | undefined {
  return args.document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!args.operationName || definition.name?.value === args.operationName),
  );
}

function hasNulLiteral(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  return found;
}

export interface OperationLimits {
  maxCost: number;
  deadlineMs: number;
  clock: Clock;
}

/**
 * Refuses operations that could return more than `maxCost` objects before anything runs, and
 * stops a query that runs past its deadline or whose client went away. Mutations are never
 * stopped half-way: their changes commit or not as a whole, and they do not fan out.
 */
export function useOperationLimits({ maxCost, deadlineMs, clock }: OperationLimits): Plugin<Context> {
  const check = (args: ExecutionArgs) => {
    const operation = operationOf(args);
    // Mutations check their own arguments, so that the refusal is audited.
    if (operation?.operation !== 'mutation' && (pathOfNul(args.variableValues) || hasNulLiteral(args.document))) {
      return new GraphQLError('Text may not contain the NUL character (U+0000).', { extensions: { code: 'INVALID_ARGUMENT' } });
    }
    const cost = queryCost(args.schema, args.document, args.variableValues, args.operationName);
    return cost !== null && cost > maxCost ? tooCostly(cost, maxCost) : null;
  };
  return {
    onValidate: ({ addValidationRule }) => addValidationRule(oncePerRequestRule),
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onExecute: ({ args, setResultAndStopExecution, setExecuteFn, executeFn }) => {
      const error = check(args);
      if (error) {
        setResultAndStopExecution({ errors: [error] });
        return;
      }
      if (operationOf(args)?.operation !== 'query') return;
      const { clientGone } = args.contextValue as { clientGone?: AbortSignal };
      const deadline = clock.timeout(deadlineMs);
      const signal = clientGone ? AbortSignal.any([clientGone, deadline]) : deadline;
      setExecuteFn(async (executeArgs) => {
        try {
          const result = await executeFn({ ...executeArgs, signal } as ExecutionArgs);
          return signal.aborted ? { errors: [deadlineExceeded(deadlineMs)] } : result;
        } catch (failure) {
          if (signal.aborted) return { errors: [deadlineExceeded(deadlineMs)] };
          throw failure;
        }
      });
    },
  };
}

/**
 * Counts calls without credentials per client address (mutation fields, uploads). Past the limit
 * it answers how many seconds the address must wait; the lock is audited once, not each refused call.
 */
export async function anonymousCallsRefused(services: Pick<Services, 'throttle' | 'transactor'>, meta: RequestMeta, calls: number): Promise<number | null> {
  const address = meta.clientAddress ?? 'unknown';
  const { throttle, transactor } = services;
  const refusal = await throttle.anonymousCalls(address, calls);
  if (refusal === null) return null;
  if (refusal.lockStarted) {
    await transactor.recordOutcome(
      meta,
      { action: 'throttle.anonymous', targetType: 'throttle', args: { address, limitPerMinute: throttle.anonymousMutationsPerMinute } },
      'DENIED',
      'RATE_LIMITED',
      `calls without credentials refused for ${refusal.retryAfter} s`,
    );
  }
  return refusal.retryAfter;
}

/** Refuses (429) a request whose mutation fields, called without credentials, pass the address's limit. */
export function useAnonymousThrottle(): Plugin<Context> {
  return {
    onExecute: async ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue as Context;
      const operation = operationOf(args);
      if (context.meta.actor.type !== 'ANONYMOUS' || operation?.operation !== 'mutation') return;
      const wait = await anonymousCallsRefused(context.services, context.meta, Math.max(1, operation.selectionSet.selections.length));
      if (wait === null) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Too many calls without credentials from this address; try again in ${wait} s.`, {
            extensions: { code: 'RATE_LIMITED', retryAfter: wait, http: { status: 429, headers: { 'retry-after': String(wait) } } },
          }),
        ],
      });
    },
  };
}
