import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgAsyncDatabase, PgAsyncTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { type Relations, relations } from './relations.ts';

// biome-ignore lint: the query-result HKT differs per driver; callers only use the shared API.
export type Database = PgAsyncDatabase<any, Relations>;
// biome-ignore lint: as above.
export type Transaction = PgAsyncTransaction<any, Relations>;
/** Repositories accept either, so a service can run them inside its own transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  engine: 'pglite' | 'postgres';
  /** Set for PostgreSQL, so work that needs one dedicated session (migrations) can open it. */
  databaseUrl?: string;
  /** The embedded database's directory (absent in memory and on PostgreSQL), where other local state may live beside it. */
  dataDir?: string;
  /** A short description for logs, without credentials. */
  describe: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps everything in memory (tests). */
  dataDir: string;
  maxConnections?: number;
  /** A dump of an embedded database to start from instead of an empty one (tests start from a migrated one). */
  template?: Blob;
  /** Called with every SQL statement the ORM runs and its parameters (tests count statements on hot paths). */
  onQuery?: (sql: string, params: readonly unknown[]) => void;
}

export async function openDatabase({ databaseUrl, dataDir, maxConnections = 10, template, onQuery }: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const logger = onQuery ? { logQuery: (query: string, params: unknown[]) => onQuery(query, params) } : undefined;
  if (databaseUrl) {
    const client = postgres(databaseUrl, {
      max: maxConnections,
      onnotice: () => {},
      connection: { application_name: 'opscenter' },
    });
    const db = drizzlePostgres({ client, relations, logger }) as unknown as Database;
    const url = new URL(databaseUrl);
    return {
      db,
      engine: 'postgres',
      databaseUrl,
      describe: `postgres://${url.host}${url.pathname}`,
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, template ? { loadDataDir: template } : {});
  const db = drizzlePglite({ client, relations, logger }) as unknown as Database;
  return {
    db,
    engine: 'pglite',
    dataDir: dataDir.startsWith('memory://') ? undefined : dataDir,
    describe: dataDir.startsWith('memory://') ? 'embedded (in memory)' : `embedded (${dataDir})`,
    close: () => client.close(),
  };
}
