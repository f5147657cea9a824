import type { Command } from 'commander';
import { loadServerConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { type ServerFlags, serverOptions } from './server-options.ts';

export function registerServe(program: Command): void {
  serverOptions(program.command('serve').description('Run the Operations Center server (GraphQL API and dashboard).')).action(async (flags: ServerFlags) => {
    const config = loadServerConfig(flags);
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const { buildApp } = await import('../app.ts');
    const app = await buildApp({ config, logger });
    if (app.initialAdminPassword) {
      logger.warn(
        `First start: created user "admin" with password ${app.initialAdminPassword}  (shown only this once; change it, or create personal accounts)`,
      );
    } else if (app.createdAdmin) {
      logger.warn('First start: created user "admin" with the password from OPSCENTER_INITIAL_ADMIN_PASSWORD (change it, or create personal accounts)');
    }
    const { url } = await app.start();
    logger.info({ database: app.database.describe }, `Operations Center listening on ${url} (GraphQL at ${url}/graphql)`);
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal} received, shutting down`);
      await app.stop();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });
}
