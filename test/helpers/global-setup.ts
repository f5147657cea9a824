import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../../api/src/db/client.ts';
import { migrateDatabase } from '../../api/src/db/migrate.ts';
import { PGLITE_TEMPLATE_DIR_ENV, PGLITE_TEMPLATE_ENV } from './database.ts';

/**
 * Creating an embedded database takes seconds (initdb), and the suite creates dozens: it is done
 * once here, migrated, and every test database starts from a copy of it (a dump for those in
 * memory, the directory itself for the OC processes the end-to-end tests start).
 */
export default async function setup(): Promise<() => void> {
  if (process.env.TEST_DATABASE_URL) return () => {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-pglite-template-'));
  const dataDir = path.join(dir, 'data');
  const handle = await openDatabase({ dataDir });
  await migrateDatabase(handle);
  await handle.close();
  const client = await PGlite.create(dataDir);
  const dump = await client.dumpDataDir('none');
  await client.close();
  const file = path.join(dir, 'migrated.tar');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  // Test files run in worker processes started after this, which inherit the environment.
  process.env[PGLITE_TEMPLATE_ENV] = file;
  process.env[PGLITE_TEMPLATE_DIR_ENV] = dataDir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
