import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Clock } from '../clock.ts';
import type { ServerConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { RequestIdentity } from '../server/http.ts';
import type { Services } from '../services.ts';
import type { Actor } from '../shared/actor.ts';
import { DomainError } from '../shared/domain-error.ts';
import { type Context, createContext } from './context.ts';
import { useSchemaDisclosure } from './disclosure.ts';
import { maskError } from './errors.ts';
import { ResolveBudget, useAnonymousThrottle, useOperationLimits } from './limits.ts';
import { schema } from './schema.ts';
import { useSharedSubscriptionResults } from './shared-subscriptions.ts';

export interface GraphqlDeps {
  services: Services;
  db: Database;
  config: ServerConfig;
  logger: Logger;
  clock: Clock;
}

type InitialContext = Partial<RequestIdentity> & { params?: unknown };

/**
 * The GraphQL server: one set of plugins (limits, disclosure, masking) whichever transport an
 * operation arrives on. `prepare` runs a WebSocket operation through the same plugins.
 */
export function createGraphqlServer({ services, db, config, logger, clock }: GraphqlDeps) {
  const log = logger.child({ module: 'graphql' });
  const yoga = createYoga<InitialContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    batching: false,
    cors: config.allowedOrigins.length ? { origin: config.allowedOrigins, credentials: false } : false,
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => {
        // Expected failures passed to the client with their code are not server errors.
        const expected = args.every((arg) => arg instanceof GraphQLError && (arg.originalError === undefined || arg.originalError instanceof DomainError));
        const line = args.map((arg) => (arg instanceof Error ? arg.stack : String(arg))).join(' ');
        if (expected) log.debug(line);
        else log.error(line);
      },
    },
    plugins: [
      useSchemaDisclosure(),
      useOperationLimits({ maxCost: config.maxQueryCost, deadlineMs: config.queryDeadline, clock }),
      useAnonymousThrottle(),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxTokens: { n: 4000 },
        maxDirectives: { n: 30 },
        costLimit: { enabled: false },
        blockFieldSuggestion: { enabled: false },
      }),
      useSharedSubscriptionResults(),
    ],
    context: ({ actor, clientAddress }) =>
      createContext(services, db, actor ?? { type: 'ANONYMOUS' }, {
        clientAddress: clientAddress ?? 'unknown',
        budget: new ResolveBudget(config.maxResolvedObjects),
      }),
  });

  /** Parses, validates and builds the context of an operation that came over a WebSocket. */
  const prepare = async (
    auth: { actor: Actor; clientAddress: string },
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    const enveloped = yoga.getEnveloped({ actor: auth.actor, clientAddress: auth.clientAddress, params: payload } as never);
    try {
      const document = enveloped.parse(payload.query);
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length > 0) return errors;
      return {
        schema: enveloped.schema,
        operationName: payload.operationName,
        document,
        variableValues: payload.variables,
        contextValue: await enveloped.contextFactory(),
        rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
      };
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
  };

  type Enveloped = { execute: (args: ExecutionArgs) => Promise<unknown>; subscribe: (args: ExecutionArgs) => Promise<unknown> };
  return {
    yoga,
    prepare,
    execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
  };
}
