import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { type App, buildApp } from '../../api/src/app.ts';
import { ManualClock } from '../../api/src/clock.ts';
import { loadServerConfig, type ServerConfigInput } from '../../api/src/config.ts';
import type { DatabaseHandle } from '../../api/src/db/client.ts';
import { createLogger } from '../../api/src/logger.ts';
import { createTestDatabase } from './database.ts';
import { gql, ok } from './gql.ts';
import { eventually } from './wait.ts';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestServer {
  app: App;
  url: string;
  clock: ManualClock;
  database: DatabaseHandle;
  adminToken: string;
  gql: typeof gqlAt;
  /** Advances the clock and runs one liveness sweep. */
  tick(ms: number): Promise<void>;
  wsClient(token: string): Client;
  /** Resolves once the server has acknowledged the connection of a client made by wsClient(). */
  connected(client: Client): Promise<void>;
  restart(options?: { keepClock?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

declare function gqlAt<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): ReturnType<typeof gql<T>>;

export interface TestServerOptions {
  config?: ServerConfigInput;
  database?: DatabaseHandle;
  clock?: ManualClock;
}

function testConfig(overrides: ServerConfigInput = {}) {
  return loadServerConfig(
    {
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      logFormat: 'json',
      host: '127.0.0.1',
      heartbeatInterval: '5s',
      managerLease: '15s',
      warmup: '30s',
      sweepInterval: '1h',
      alertEvaluationInterval: '1h',
      notificationTick: '1h',
      remediationInterval: '1h',
      initialAdminPassword: ADMIN_PASSWORD,
      // Every test request comes from one address; throttling has tests of its own.
      anonymousMutationsPerMinute: '1000000',
      ...overrides,
    },
    {},
  );
}

/**
 * The real OC in this process on a real port and a fresh database, with a clock the test
 * moves. Liveness sweeps run only when the test calls tick().
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  // Beside an in-memory database, what the OC keeps on disk (uploaded content) goes to a directory of this server's own.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-test-'));
  const config = testConfig({ dataDir, ...options.config });
  const clock = options.clock ?? new ManualClock();
  const database = options.database ?? (await createTestDatabase());
  const logger = createLogger({ level: config.logLevel, format: 'json' });
  let app = await buildApp({ config, logger, clock, database: { ...database, close: async () => {} } });
  let { url, port } = await app.start(0, '127.0.0.1');
  const login = await gql(url, 'mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }', {
    p: ADMIN_PASSWORD,
  });
  const adminToken = (ok(login) as { login: { token: string } }).login.token;
  const clients: Client[] = [];
  const connections = new WeakMap<Client, Promise<void>>();

  const server: TestServer = {
    get app() {
      return app;
    },
    get url() {
      return url;
    },
    clock,
    get database() {
      return database;
    },
    adminToken,
    gql: ((query: string, variables?: Record<string, unknown>, token?: string) => gql(url, query, variables, token)) as typeof gqlAt,
    async tick(ms: number) {
      clock.advance(ms);
      await app.services.liveness.sweep();
    },
    wsClient(token: string) {
      let acknowledged = () => {};
      const connection = new Promise<void>((resolve) => {
        acknowledged = resolve;
      });
      const client = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {},
        on: { connected: () => acknowledged() },
      });
      connections.set(client, connection);
      clients.push(client);
      return client;
    },
    connected(client: Client) {
      return connections.get(client) ?? Promise.reject(new Error('not a client of this server'));
    },
    /** Stops the app and starts a new one on the same database and port, as an OC restart. */
    async restart() {
      for (const client of clients.splice(0)) await client.dispose();
      await app.stop();
      app = await buildApp({ config, logger, clock, database: { ...database, close: async () => {} } });
      ({ url } = await app.start(port, '127.0.0.1'));
    },
    async stop() {
      for (const client of clients.splice(0)) await client.dispose();
      await app.stop();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Starts a subscription and waits until the OC's event bus delivers to it. */
export async function subscribed<T>(server: TestServer, subscribe: () => T): Promise<T> {
  const before = server.app.services.bus.listenerCount;
  const subscription = subscribe();
  await eventually(() => expect(server.app.services.bus.listenerCount).toBeGreaterThan(before));
  return subscription;
}

/** Collects what a subscription delivers, for assertions. */
export function collect<T = any>(client: Client, query: string, variables?: Record<string, unknown>) {
  const received: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  let completed = false;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        else received.push(value.data as T);
        for (const wake of waiters.splice(0)) wake();
      },
      error: (error) => {
        errors.push(error);
        for (const wake of waiters.splice(0)) wake();
      },
      complete: () => {
        completed = true;
        for (const wake of waiters.splice(0)) wake();
      },
    },
  );
  return {
    received,
    errors,
    get completed() {
      return completed;
    },
    dispose,
    /** Resolves once `count` items have arrived (or an error or completion); rejects after `ms`. */
    async waitFor(count: number, ms = 5_000): Promise<T[]> {
      const deadline = Date.now() + ms;
      while (received.length < count && errors.length === 0 && !completed) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${received.length}: ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
      return received;
    },
  };
}
