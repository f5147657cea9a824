import path from 'node:path';
import { type Clock, systemClock } from './clock.ts';
import type { ServerConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { authenticate } from './graphql/context.ts';
import { anonymousCallsRefused } from './graphql/limits.ts';
import { createGraphqlServer } from './graphql/yoga.ts';
import type { Logger } from './logger.ts';
import { revokes } from './modules/accounts/accounts.service.ts';
import { contentHandler } from './server/content.ts';
import { dashboardServer } from './server/dashboard.ts';
import { graphiqlServer } from './server/graphiql.ts';
import { closeGracefully, createHttpServer, createRequestHandler, listen } from './server/http.ts';
import { metricsHandler } from './server/metrics.ts';
import { reportsHandler } from './server/reports.ts';
import { statusPageHandler } from './server/status-page.ts';
import { attachWebSockets } from './server/websocket.ts';
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
  /** Where uploaded content is stored: a directory on the embedded database, or null (in PostgreSQL). */
  contentDirectory: string | null;
  /** The password of the `admin` account created on first start (null when there was one, or it was supplied). */
  initialAdminPassword: string | null;
  /** Whether this start created the `admin` account. */
  createdAdmin: boolean;
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** How often open sockets' credentials are checked again (expiry, revocation by another replica). */
const REVALIDATE_MS = 15_000;

/** Wires the OC: database, services, GraphQL, and the HTTP, SSE and WebSocket transports that carry it. */
export async function buildApp({ config, logger, clock = systemClock, database }: AppDeps): Promise<App> {
  const handle = database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const migration = await migrateDatabase(handle);
  if (migration.applied.length) logger.info({ applied: migration.applied }, 'database migrated');
  const contentDirectory = path.join(handle.dataDir ?? config.dataDir, 'content');
  const services = createServices({ db: handle.db, databaseEngine: handle.engine, contentDirectory, clock, config, logger });
  const bootstrap = await services.accounts.bootstrapAdmin(config.initialAdminPassword);
  await services.content.start();
  await services.events.start();
  services.throttle.start();
  await services.liveness.start();
  await services.engine.start();
  services.scheduler.start();
  services.notifications.start();
  services.alertEvaluator.start();
  services.remediation.start();

  const graphql = createGraphqlServer({ services, db: handle.db, config, logger, clock });
  const authenticateHeader = (authorization: string | undefined) => authenticate(services, authorization);
  const handler = createRequestHandler({
    graphql: graphql.yoga,
    authenticate: authenticateHeader,
    dashboard: dashboardServer(config.uiDir),
    graphiql: config.graphiql ? graphiqlServer('Operations Center') : undefined,
    content: contentHandler({
      content: services.content,
      transactor: services.transactor,
      authenticate: authenticateHeader,
      anonymousCallRefused: (meta) => anonymousCallsRefused(services, meta, 1),
      commandNamesContent: (clusterId, contentId) => services.commands.namesContent(clusterId, contentId),
      maxUploadBytes: config.maxUploadBytes,
      logger: logger.child({ module: 'content' }),
    }),
    reports: reportsHandler({
      appliedContent: services.appliedContent,
      transactor: services.transactor,
      authenticate: authenticateHeader,
      anonymousCallRefused: (meta) => anonymousCallsRefused(services, meta, 1),
      logger: logger.child({ module: 'reports' }),
    }),
    statusPage: statusPageHandler({
      page: () => services.statusPage.publicPage(),
      onChanged: (listener) => services.statusPage.onChanged(listener),
      clock,
      logger: logger.child({ module: 'status-page' }),
    }),
    metrics: metricsHandler({ token: config.metricsToken, metrics: services.metrics, logger: logger.child({ module: 'metrics' }) }),
    health: () => ({ status: 'ok', database: handle.engine }),
    maxBodyBytes: config.maxBodyBytes,
    logger: logger.child({ module: 'http' }),
  });
  const server = createHttpServer(handler, logger);
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
    revalidateEveryMs: REVALIDATE_MS,
    logger: logger.child({ module: 'websocket' }),
  });
  services.accounts.onRevoked((revocation) => sockets.closeWhere((actor) => revokes(revocation, actor), 'Credentials revoked'));
  services.agents.onForgotten((clusterId) =>
    sockets.closeWhere((actor) => actor.type === 'AGENT' && actor.clusterId === clusterId, 'Agent credential revoked'),
  );

  let stopping: Promise<void> | null = null;
  return {
    services,
    database: handle,
    contentDirectory: handle.engine === 'pglite' ? contentDirectory : null,
    initialAdminPassword: bootstrap.generatedPassword,
    createdAdmin: bootstrap.created,
    start: (port = config.port, host = config.host) => listen(server, port, host),
    stop: () => {
      stopping ??= (async () => {
        await closeGracefully(server, sockets);
        sockets.close();
        await services.remediation.stop();
        await services.alertEvaluator.stop();
        await services.notifications.stop();
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
