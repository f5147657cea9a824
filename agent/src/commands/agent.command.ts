import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import pino from 'pino';
import { Agent } from '../agent.ts';
import { loadAgentConfig } from '../config.ts';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Run a cluster’s manager agent: enroll with the OC, report membership and heartbeats, run commands.')
    .requiredOption('--config <file>', 'agent configuration (YAML or JSON)')
    .option('--oc-url <url>', 'the OC’s URL (overrides oc.url)')
    .option('--enrollment-token <token>', 'enrollment token for the first start (overrides oc.enrollmentToken)')
    .option('--state-file <file>', 'where to keep the credential and state (default: <config>.state.json)')
    .option('--log-level <level>', 'trace, debug, info, warn, error', process.env.OPSCENTER_LOG_LEVEL ?? 'info')
    .action(async (flags: { config: string; ocUrl?: string; enrollmentToken?: string; stateFile?: string; logLevel: string }) => {
      const overrides = { ocUrl: flags.ocUrl, enrollmentToken: flags.enrollmentToken, stateFile: flags.stateFile };
      const config = loadAgentConfig(flags.config, overrides);
      const logger = pino({ level: flags.logLevel, base: { cluster: config.cluster } });
      const agent = new Agent(config, logger, {
        // The replacement is started detached with the same command line; this process then leaves.
        restartSelf: async () => {
          await agent.stop();
          const replacement = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { detached: true, stdio: 'inherit' });
          replacement.unref();
          logger.info({ pid: replacement.pid }, 'started a replacement agent; exiting');
          process.exit(0);
        },
      });
      const { failed } = await agent.start();
      logger.info({ workers: config.workers.length, oc: config.oc.url }, 'agent running');
      process.on('SIGHUP', () => {
        void agent
          .reload(loadAgentConfig(flags.config, overrides))
          .then(() => logger.info('configuration reloaded'))
          .catch((error: Error) => logger.error(`reload failed, keeping the old configuration: ${error.message}`));
      });
      const stop = async (signal: string) => {
        logger.info(`${signal} received; stopping (workers keep running)`);
        await agent.stop();
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
      await failed.catch(async (error: Error) => {
        await agent.stop();
        throw error;
      });
    });
}
