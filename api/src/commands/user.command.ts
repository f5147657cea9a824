import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../clock.ts';
import { loadServerConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import type { Role } from '../modules/accounts/accounts.table.ts';
import type { createServices } from '../services.ts';
import type { RequestMeta } from '../shared/actor.ts';
import { type ServerFlags, serverOptions } from './server-options.ts';

/** Runs against the database directly: for the first admin, or when nobody can log in. */
async function withServices<T>(flags: ServerFlags, work: (services: ReturnType<typeof createServices>, meta: RequestMeta) => Promise<T>) {
  const config = loadServerConfig(flags);
  const logger = createLogger({ level: 'warn', format: 'json' });
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateDatabase(handle);
    const { createServices } = await import('../services.ts');
    const services = createServices({
      db: handle.db,
      databaseEngine: handle.engine,
      contentDirectory: path.join(config.dataDir, 'content'),
      clock: systemClock,
      config,
      logger,
    });
    const meta: RequestMeta = { actor: { type: 'SYSTEM', name: `cli:${process.env.USER ?? 'unknown'}` }, requestId: randomUUID() };
    return await work(services, meta);
  } finally {
    await handle.close();
  }
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('Manage personal accounts directly in the database (stop the OC first when it uses the embedded database).');
  serverOptions(
    user
      .command('create <username>')
      .description('Create an account; prints its generated password once.')
      .option('--role <role>', 'viewer, operator or admin', 'viewer'),
  ).action(async (username: string, flags: ServerFlags & { role: string }) => {
    const role = flags.role.toUpperCase() as Role;
    if (!['VIEWER', 'OPERATOR', 'ADMIN'].includes(role)) throw new Error(`--role must be viewer, operator or admin (got "${flags.role}")`);
    const { role: _role, ...serverFlags } = flags;
    const created = await withServices(serverFlags, (services, meta) => services.accounts.createUser(meta, { username, role }));
    console.log(`Created ${created.user.username} (${created.user.role.toLowerCase()}). Password: ${created.password}`);
  });
  serverOptions(user.command('reset-password <username>').description('Set a new generated password and end the user’s sessions.')).action(
    async (username: string, flags: ServerFlags) => {
      const reset = await withServices(flags, (services, meta) => services.accounts.resetPassword(meta, username));
      console.log(`New password for ${reset.user.username}: ${reset.password}`);
    },
  );
}
