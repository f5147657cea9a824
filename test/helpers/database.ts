import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../api/src/db/client.ts';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the PostgreSQL server at `serverUrl`, for tests and benchmarks. */
export async function scratchDatabase(serverUrl: string, prefix = 'oc_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** Names a dump of a migrated embedded database (made once per run by global-setup.ts) that test databases start from. */
export const PGLITE_TEMPLATE_ENV = 'OC_TEST_PGLITE_TEMPLATE';
/** The same migrated database as a data directory, for OC processes started on a fresh one. */
export const PGLITE_TEMPLATE_DIR_ENV = 'OC_TEST_PGLITE_TEMPLATE_DIR';

/**
 * A fresh, empty database for one test file: an in-memory PGlite by default, or a new
 * database on the server named by TEST_DATABASE_URL (dropped again on close).
 */
export async function createTestDatabase(onQuery?: (sql: string, params: readonly unknown[]) => void): Promise<DatabaseHandle & { url?: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const template = process.env[PGLITE_TEMPLATE_ENV];
    return openDatabase({ dataDir: 'memory://', onQuery, template: template ? await fs.openAsBlob(template) : undefined });
  }
  const scratch = await scratchDatabase(serverUrl);
  const handle = await openDatabase({ databaseUrl: scratch.url, dataDir: '', onQuery });
  return {
    ...handle,
    url: scratch.url,
    close: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** A data directory or database URL that outlives one app instance, for restart tests. */
export async function createPersistentDatabase(dir: string): Promise<{ open(): Promise<DatabaseHandle>; dispose(): Promise<void>; url?: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return { open: () => openDatabase({ dataDir: dir }), dispose: async () => {} };
  const scratch = await scratchDatabase(serverUrl);
  return {
    url: scratch.url,
    open: () => openDatabase({ databaseUrl: scratch.url, dataDir: '' }),
    dispose: scratch.drop,
  };
}
