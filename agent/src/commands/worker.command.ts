import type { Command } from 'commander';
import { z } from 'zod';
import { duration, optionalDuration } from '../shared/duration.ts';
import { runWorker } from '../worker/worker.ts';

const workerFlags = z.object({
  name: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  host: z.string().default('127.0.0.1'),
  version: z.string().default('1.0.0'),
  patchesDir: z.string().optional(),
  configFile: z.array(z.string()).default([]),
  tenant: z.array(z.string().regex(/^[^=]+(=.*)?$/, 'must be <name> or <name>=<status>')).default([]),
  startDelay: duration('1ms'),
  failHealth: z.boolean().default(false),
  crashAfter: optionalDuration(),
  stopDelay: duration('1ms'),
  exitWith: z.coerce.number().int().positive().optional(),
  failHealthIfExists: z.string().optional(),
});

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run the demo worker: an HTTP server standing in for a product server (/health, /version, /patches, /inventory, POST /control).')
    .requiredOption('--name <name>', 'worker name')
    .requiredOption('--port <port>', 'HTTP port')
    .option('--host <host>', 'interface', '127.0.0.1')
    .option('--version <version>', 'version it reports', '1.0.0')
    .option('--patches-dir <dir>', 'directory whose files it reports as patches')
    .option('--config-file <file>', 'a configuration file it reads at start (repeatable)', (file: string, files: string[] = []) => [...files, file])
    .option(
      '--tenant <name[=status]>',
      'a tenant it hosts, reported at /inventory; its status defaults to "running" (repeatable)',
      (tenant: string, tenants: string[] = []) => [...tenants, tenant],
    )
    .option('--start-delay <duration>', 'health fails this long after start')
    .option('--fail-health', 'health always fails')
    .option('--crash-after <duration>', 'exit with an error this long after start')
    .option('--stop-delay <duration>', 'how long a graceful stop (SIGTERM) takes')
    .option('--exit-with <pid>', 'exit when this process is gone')
    .option('--fail-health-if-exists <file>', 'health fails for good if this file exists at start (simulates a bad restart)')
    .action(async (flags: Record<string, unknown>) => {
      const parsed = workerFlags.safeParse(flags);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`--${String(issue.path[0]).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} ${issue.message}`);
      }
      const { startDelay, crashAfter, stopDelay, exitWith, configFile, tenant, ...rest } = parsed.data;
      const tenants = tenant.map((entry) => {
        const [name, ...status] = entry.split('=');
        return { name, status: status.length > 0 ? status.join('=') : 'running' };
      });
      await runWorker({
        ...rest,
        configFiles: configFile,
        tenants,
        startDelayMs: startDelay,
        crashAfterMs: crashAfter,
        stopDelayMs: stopDelay,
        exitWithPid: exitWith,
      });
    });
}
