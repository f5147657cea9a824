import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from './clock.ts';
import type { ServerConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { authenticate } from './graphql/context.ts';
import { createGraphqlServer } from './graphql/yoga.ts';
import type { Logger } from './logger.ts';
import { dashboardServer } from './server/dashboard.ts';
import { graphiqlServer } from './server/graphiql.ts';
import { createRequestHandler } from './server/http.ts';
import { attachWebSockets, CLOSE_FORBIDDEN } from './server/websocket.ts';
import { revokes } from './modules/accounts/accounts.service.ts';
import { createServices, type Services } from './services.ts';

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
  /** The password of the `admin` account created on first start (null when there was one, or it was supplied). */
  initialAdminPassword: string | null;
  /** Whether this start created the `admin` account. */
  createdAdmin: boolean;
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** How often open sockets' credentials are checked again (expiry, revocation by another replica). */
const REVALIDATE_MS = 15_000;

/** Wires the OC: database, services, GraphQL, and the HTTP and WebSocket servers that carry it. */
export async function buildApp({ config, logger, clock = systemClock, database }: AppDeps): Promise<App> {
  const handle = database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const migration = await migrateDatabase(handle);
  if (migration.applied.length) logger.info({ applied: migration.applied }, 'database migrated');
  const services = createServices({ db: handle.db, databaseEngine: handle.engine, clock, config, logger });
  const bootstrap = await services.accounts.bootstrapAdmin(config.initialAdminPassword);
  await services.events.start();
  services.throttle.start();
  await services.liveness.start();
  await services.engine.start();
  services.scheduler.start();

  const graphql = createGraphqlServer({ services, db: handle.db, config, logger, clock });
  const authenticateHeader = (authorization: string | undefined) => authenticate(services, authorization);
  const server = http.createServer(
    createRequestHandler({
      graphql: graphql.yoga,
      authenticate: authenticateHeader,
      dashboard: dashboardServer(config.uiDir),
      graphiql: config.graphiql ? graphiqlServer('Operations Center') : undefined,
      health: () => ({ status: 'ok', database: handle.engine }),
      maxBodyBytes: config.maxBodyBytes,
      logger: logger.child({ module: 'http' }),
    }),
  );
  // A request line or header that does not parse gets a 400; it must never reach the process.
  server.on('clientError', (error, socket) => {
    logger.debug({ err: error }, 'refused a malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const sockets = attachWebSockets({
    server,
    authenticate: authenticateHeader,
    prepare: graphql.prepare,
    execute: graphql.execute,
    subscribe: graphql.subscribe,
    allowedOrigins: config.allowedOrigins,
    maxPayloadBytes: config.maxBodyBytes,
    maxSubscriptionsPerSocket: config.maxSubscriptionsPerSocket,
    maxSocketsPerUser: config.maxSocketsPerUser,
    logger: logger.child({ module: 'websocket' }),
  });
  services.accounts.onRevoked((revocation) => sockets.closeWhere((actor) => revokes(revocation, actor), 'Credentials revoked'));
  services.agents.onForgotten((clusterId) => sockets.closeWhere((actor) => actor.type === 'AGENT' && actor.clusterId === clusterId, 'Agent credential revoked'));
  // Expiry and revocation by another OC replica are caught by asking again now and then.
  const revalidation = setInterval(() => {
    for (const [socket, authorization] of sockets.credentials()) {
      void authenticate(services, authorization).then((actor) => {
        if (!actor) socket.close(CLOSE_FORBIDDEN, 'Credentials expired or revoked');
      });
    }
  }, REVALIDATE_MS);
  revalidation.unref();

  let stopping: Promise<void> | null = null;
  return {
    services,
    database: handle,
    initialAdminPassword: bootstrap.generatedPassword,
    createdAdmin: bootstrap.created,
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
        sockets.closeAll();
        const force = setTimeout(() => {
          server.closeAllConnections();
          sockets.terminateAll();
        }, 5_000);
        force.unref();
        await closed;
        clearTimeout(force);
        sockets.close();
        await services.scheduler.stop();
        await services.engine.stop();
        await services.liveness.stop();
        services.events.stop();
        services.throttle.stop();
        await handle.close();
      })();
      return stopping;
    },
  };
}
