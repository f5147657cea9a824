import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { type DatabaseHandle, openDatabase } from './client.ts';
import type { Relations } from './relations.ts';

export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../drizzle');
const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';
/** Serialises migrations when several OC processes start against one PostgreSQL. */
const MIGRATION_LOCK_KEY = 0x0c_0c_0001;

export class UnknownSchemaError extends Error {}

export interface MigrationReport {
  applied: string[];
  total: number;
}

async function appliedMigrationNames(handle: DatabaseHandle): Promise<string[]> {
  const exists = await handle.db.execute(sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) is not null as present`);
  if (!rows<{ present: boolean }>(exists)[0]?.present) return [];
  const result = await handle.db.execute(sql`select name, hash from ${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)} order by id`);
  return rows<{ name: string | null; hash: string }>(result).map((row) => row.name ?? row.hash);
}

function rows<T>(result: unknown): T[] {
  // postgres-js returns an array; PGlite returns { rows }.
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}

/**
 * Applies the committed drizzle-kit migrations, then refuses to continue if the database holds
 * migrations this build does not know (a newer OC wrote them): running against an unknown
 * schema could corrupt it.
 */
export async function migrateDatabase(handle: DatabaseHandle): Promise<MigrationReport> {
  const local = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const localNames = new Set(local.map((migration) => migration.name));
  const config = { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema: MIGRATIONS_SCHEMA, migrationsTable: MIGRATIONS_TABLE };

  const run = async (handle: DatabaseHandle) => {
    const before = await appliedMigrationNames(handle);
    const unknown = before.filter((name) => !localNames.has(name));
    if (unknown.length > 0) {
      throw new UnknownSchemaError(
        `The database has migrations this version of the OC does not know (${unknown.join(', ')}); upgrade the OC before starting it against this database.`,
      );
    }
    if (handle.engine === 'postgres') {
      await migratePostgres(handle.db as unknown as PostgresJsDatabase<Relations>, config);
    } else {
      await migratePglite(handle.db as unknown as PgliteDatabase<Relations>, config);
    }
    const after = await appliedMigrationNames(handle);
    return { applied: after.filter((name) => !before.includes(name)), total: after.length };
  };

  if (handle.engine !== 'postgres' || !handle.databaseUrl) return run(handle);
  // An advisory lock belongs to one session, so take it on a dedicated single connection.
  const session = await openDatabase({ databaseUrl: handle.databaseUrl, dataDir: '', maxConnections: 1 });
  try {
    await session.db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    return await run(session);
  } finally {
    await session.close();
  }
}
