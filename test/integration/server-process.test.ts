import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPersistentDatabase } from '../helpers/database.ts';
import { gql, ok } from '../helpers/gql.ts';
import { freePort, ROOT, type RunningProcess, runOpscenter } from '../helpers/process.ts';

/**
 * The OC as a user runs it: `opscenter serve` in its own process, on the embedded database in a
 * data directory, or on PostgreSQL through DATABASE_URL when the suite runs against a server.
 */
describe('opscenter serve', () => {
  let dataDir: string;
  let storage: Awaited<ReturnType<typeof createPersistentDatabase>>;
  let port: number;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-serve-'));
    storage = await createPersistentDatabase(path.join(dataDir, 'data'));
    port = await freePort();
  });
  afterAll(async () => {
    for (const process of running) process.child.kill('SIGKILL');
    await storage.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const serve = (extra: string[] = [], env: Record<string, string> = {}) => {
    const process = runOpscenter(['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', path.join(dataDir, 'data'), ...extra], {
      DATABASE_URL: storage.url,
      ...env,
    });
    running.push(process);
    return process;
  };
  const url = () => `http://127.0.0.1:${port}`;

  it('starts from nothing, creates the admin once, keeps data across restarts and shuts down gracefully on SIGTERM', async () => {
    const first = serve();
    const passwordLine = await first.waitFor(/created user \\"admin\\" with password/);
    const password = /with password (\S+)/.exec(passwordLine)?.[1] as string;
    await first.waitFor(/listening on/);
    const login = ok<any>(await gql(url(), `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`, { p: password }));
    const token = login.login.token;
    const created = ok<any>(await gql(url(), 'mutation { createCluster(input: { name: "kept", productKind: "esb" }) { __typename } }', {}, token));
    expect(created.createCluster.__typename).toBe('Cluster');

    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const closeCode = new Promise<number>((resolve) => {
      client.on('closed', (event) => resolve((event as { code: number }).code));
      client.subscribe({ query: 'subscription { topologyEvents { __typename } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    await new Promise((resolve) => client.on('connected', resolve));
    first.child.kill('SIGTERM');
    expect(await closeCode).toBe(1001);
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/SIGTERM received, shutting down/);
    expect(first.output()).toMatch(/"msg":"stopped"/);

    const second = serve();
    await second.waitFor(/listening on/);
    expect(second.output()).not.toMatch(/created user/);
    const kept = ok<any>(await gql(url(), '{ cluster(name: "kept") { productKind } }', {}, token));
    expect(kept.cluster).toEqual({ productKind: 'esb' });
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('stops with one clear line naming a bad setting', async () => {
    const bad = serve(['--suspect-after', 'soon']);
    expect((await bad.exited).code).toBe(1);
    expect(bad.output().trim()).toBe('opscenter: Invalid configuration: --suspect-after must be a whole number (got "soon")');
    const badEnv = runOpscenter(['serve'], { OPSCENTER_HEARTBEAT_INTERVAL: '-5s' });
    expect((await badEnv.exited).code).toBe(1);
    expect(badEnv.output().trim()).toMatch(/^opscenter: Invalid configuration: OPSCENTER_HEARTBEAT_INTERVAL must be a positive duration/);
    const badUrl = runOpscenter(['serve'], { DATABASE_URL: 'mysql://nope' });
    expect((await badUrl.exited).code).toBe(1);
    expect(badUrl.output().trim()).toBe('opscenter: Invalid configuration: DATABASE_URL must start with postgres:// or postgresql:// (got "mysql://nope")');
  });

  it('migrates on demand and refuses a database written by a newer OC', async () => {
    const migrate = runOpscenter(['migrate', '--data-dir', path.join(dataDir, 'data')], { DATABASE_URL: storage.url });
    expect((await migrate.exited).code).toBe(0);
    const migrations = fs.readdirSync(path.join(ROOT, 'drizzle')).length;
    expect(migrate.output()).toContain(`up to date (${migrations} migrations)`);

    const handle = await storage.open();
    await handle.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at, name) values ('future', 0, '29991231000000_from_the_future')`);
    await handle.close();
    const refused = serve();
    expect((await refused.exited).code).toBe(1);
    expect(refused.output()).toMatch(/does not know \(29991231000000_from_the_future\); upgrade the OC/);
    const cleanup = await storage.open();
    await cleanup.db.execute(sql`delete from drizzle.__drizzle_migrations where name = '29991231000000_from_the_future'`);
    await cleanup.close();
  });

  it('creates accounts and resets passwords from the command line', async () => {
    const create = runOpscenter(['user', 'create', 'bob', '--role', 'operator', '--data-dir', path.join(dataDir, 'data')], { DATABASE_URL: storage.url });
    expect((await create.exited).code).toBe(0);
    const created = /Created bob \(operator\)\. Password: (\S+)/.exec(create.output());
    expect(created).not.toBeNull();
    const reset = runOpscenter(['user', 'reset-password', 'bob', '--data-dir', path.join(dataDir, 'data')], { DATABASE_URL: storage.url });
    expect((await reset.exited).code).toBe(0);
    const password = /New password for bob: (\S+)/.exec(reset.output())?.[1] as string;
    expect(password).not.toBe(created?.[1]);
    const duplicate = runOpscenter(['user', 'create', 'bob', '--data-dir', path.join(dataDir, 'data')], { DATABASE_URL: storage.url });
    expect((await duplicate.exited).code).toBe(1);
    expect(duplicate.output().trim()).toBe('opscenter: A user named "bob" already exists.');

    const server = serve();
    await server.waitFor(/listening on/);
    const login = ok<any>(
      await gql(url(), `mutation($p: String!) { login(username: "bob", password: $p) { __typename ... on Session { user { role } } } }`, { p: password }),
    );
    expect(login.login).toEqual({ __typename: 'Session', user: { role: 'OPERATOR' } });
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('prints help for every command', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['migrate', '--help'], ['user', '--help'], ['user', 'create', '--help']]) {
      const help = runOpscenter(args);
      expect((await help.exited).code, args.join(' ')).toBe(0);
      expect(help.output()).toMatch(/Usage: opscenter/);
    }
  });
});
