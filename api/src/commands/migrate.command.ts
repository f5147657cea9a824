import { counted } from '@opscenter/agent/shared/text';
import type { Command } from 'commander';
import { loadServerConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { type ServerFlags, serverOptions } from './server-options.ts';

export function registerMigrate(program: Command): void {
  serverOptions(program.command('migrate').description('Apply database migrations and exit (the server also applies them at start).')).action(
    async (flags: ServerFlags) => {
      const config = loadServerConfig(flags);
      const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const report = await migrateDatabase(handle);
        console.log(
          report.applied.length
            ? `Applied ${counted(report.applied.length, 'migration')} to ${handle.describe}: ${report.applied.join(', ')}`
            : `${handle.describe} is up to date (${counted(report.total, 'migration')}).`,
        );
      } finally {
        await handle.close();
      }
    },
  );
}
