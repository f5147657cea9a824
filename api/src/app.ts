import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import { type Clock, systemClock } from './clock.ts';
import type { ServerConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { authenticate, type Context, createContext } from './graphql/context.ts';
import { maskError } from './graphql/errors.ts';
import { schema } from './graphql/schema.ts';
import { useSharedSubscriptionResults } from './graphql/shared-subscriptions.ts';
import type { Logger } from './logger.ts';
import { createServices, type Services } from './services.ts';
import type { Actor } from './shared/actor.ts';
import { DomainError } from './shared/domain-error.ts';

export interface AppDeps {
  config: ServerConfig;
  logger: Logger;
  clock?: Clock;
  /** An already open database (tests); otherwise one is opened from the configuration. */
  database?: DatabaseHandle;
}

export interface App {
  services: Services;
  database: DatabaseHandle;
  /** The password of the `admin` account created on first start, or null. */
  initialAdminPassword: string | null;
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** Close codes sent to WebSocket clients. */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_FORBIDDEN = 4403;
const REVALIDATE_MS = 15_000;

interface SocketAuth {
  actor: Actor;
  authorization: string;
}

/** What a WebSocket client may send as its connection_init payload. */
function authorizationFrom(params: Record<string, unknown> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization ?? (params?.token ? `Bearer ${params.token}` : undefined);
  return typeof value === 'string' ? value : null;
}

export async function buildApp({ config, logger, clock = systemClock, database }: AppDeps): Promise<App> {
  const handle = database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const migration = await migrateDatabase(handle);
  if (migration.applied.length) logger.info({ applied: migration.applied }, 'database migrated');
  const services = createServices({ db: handle.db, clock, config, logger });
  const initialAdminPassword = await services.accounts.bootstrapAdmin(config.initialAdminPassword);
  await services.events.start();
  await services.liveness.start();
  await services.engine.start();
  services.scheduler.start();

  const httpLog = logger.child({ module: 'http' });
  const yoga = createYoga<{ wsAuth?: SocketAuth }, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Operations Center', subscriptionsProtocol: 'WS' },
    batching: false,
    cors: config.allowedOrigins.length ? { origin: config.allowedOrigins, credentials: false } : false,
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => httpLog.debug(args.map(String).join(' ')),
      info: (...args) => httpLog.info(args.map(String).join(' ')),
      warn: (...args) => httpLog.warn(args.map(String).join(' ')),
      error: (...args) => {
        // Expected failures passed to the client with their code are not server errors.
        const expected = args.every((arg) => arg instanceof GraphQLError && arg.originalError instanceof DomainError);
        const line = args.map((arg) => (arg instanceof Error ? arg.stack : String(arg))).join(' ');
        if (expected) httpLog.debug(line);
        else httpLog.error(line);
      },
    },
    plugins: [
      useSharedSubscriptionResults(),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxTokens: { n: 4000 },
        maxDirectives: { n: 30 },
        costLimit: { maxCost: 50_000 },
        blockFieldSuggestion: { enabled: true },
      }),
    ],
    context: async (initial: YogaInitialContext & { wsAuth?: SocketAuth }) => {
      if (initial.wsAuth) return createContext(services, handle.db, initial.wsAuth.actor);
      const actor = await authenticate(services, initial.request.headers.get('authorization'));
      if (!actor) {
        throw new GraphQLError('The token is invalid, expired or revoked; log in again or use another token.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return createContext(services, handle.db, actor);
    },
  });

  // Built lazily and again after a rebuild, so `npm run build:ui` needs no OC restart.
  let dashboard: { handler: ReturnType<typeof sirv>; builtAt: number } | null = null;
  const dashboardHandler = () => {
    const index = path.join(config.uiDir, 'index.html');
    if (!fs.existsSync(index)) return null;
    const builtAt = fs.statSync(index).mtimeMs;
    if (dashboard?.builtAt !== builtAt) {
      dashboard = {
        builtAt,
        handler: sirv(config.uiDir, {
          single: true,
          etag: true,
          setHeaders: (res, pathname) => {
            if (pathname.startsWith('/_app/immutable/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
          },
        }),
      };
    }
    return dashboard.handler;
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/graphql' || path.startsWith('/graphql/')) {
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > config.maxBodyBytes) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(
          JSON.stringify({ errors: [{ message: `Request body larger than ${config.maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }),
        );
        return;
      }
      void yoga(req, res);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', database: handle.engine }));
      return;
    }
    const serveDashboard = dashboardHandler();
    if (serveDashboard) {
      serveDashboard(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('The dashboard is not built. Run "npm run build:ui", or use the API at /graphql.\n');
  });

  const sockets = new Map<WebSocket, SocketAuth>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxBodyBytes });
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0];
    const origin = req.headers.origin;
    const sameOrigin = origin && req.headers.host && new URL(origin).host === req.headers.host;
    if (path !== '/graphql' || (origin && !sameOrigin && !config.allowedOrigins.includes(origin))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const closeSockets = (matches: (actor: Actor) => boolean, reason: string) => {
    for (const [socket, auth] of sockets) {
      if (matches(auth.actor)) socket.close(CLOSE_FORBIDDEN, reason);
    }
  };
  services.accounts.onRevoked((revoked) =>
    closeSockets(
      (actor) =>
        (actor.type === 'USER' && (actor.sessionId === revoked.sessionId || actor.userId === revoked.userId)) ||
        (actor.type === 'API_TOKEN' && (actor.tokenId === revoked.tokenId || actor.userId === revoked.userId)),
      'Credentials revoked',
    ),
  );
  services.agents.onForgotten((clusterId) => closeSockets((actor) => actor.type === 'AGENT' && actor.clusterId === clusterId, 'Agent credential revoked'));
  // Expiry and revocation by another OC replica are caught by asking again now and then.
  const revalidation = setInterval(() => {
    for (const [socket, auth] of sockets) {
      void authenticate(services, auth.authorization).then((actor) => {
        if (!actor) socket.close(CLOSE_FORBIDDEN, 'Credentials expired or revoked');
      });
    }
  }, REVALIDATE_MS);
  revalidation.unref();

  useServer<Record<string, unknown>, { auth: SocketAuth }>(
    {
      onConnect: async (ctx) => {
        const authorization = authorizationFrom(ctx.connectionParams);
        const actor = authorization ? await authenticate(services, authorization) : null;
        if (!actor || actor.type === 'ANONYMOUS' || !authorization) return false;
        const auth = { actor, authorization };
        ctx.extra.auth = auth;
        sockets.set(ctx.extra.socket, auth);
        ctx.extra.socket.once('close', () => sockets.delete(ctx.extra.socket));
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          wsAuth: ctx.extra.auth,
          params: payload,
        } as never);
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs & { rootValue: { execute: typeof execute; subscribe: typeof subscribe } } = {
          schema: envelopedSchema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
    },
    wss,
  );

  let stopping: Promise<void> | null = null;
  return {
    services,
    database: handle,
    initialAdminPassword,
    start: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve({ url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${address.port}`, port: address.port });
        });
      }),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(revalidation);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const socket of wss.clients) socket.close(CLOSE_GOING_AWAY, 'Server shutting down');
        const force = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of wss.clients) socket.terminate();
        }, 5_000);
        force.unref();
        await closed;
        clearTimeout(force);
        wss.close();
        await services.scheduler.stop();
        await services.engine.stop();
        await services.liveness.stop();
        services.events.stop();
        await handle.close();
      })();
      return stopping;
    },
  };
}
