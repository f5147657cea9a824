import path from 'node:path';
import type { Command } from 'commander';
import { runDemo } from '../demo/demo.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the OC with a demo fleet of real processes (three clusters, each with its own manager agent). Ctrl-C stops everything.')
    .option('--port <port>', 'port of the OC', '4000')
    .option('--dir <dir>', 'where the demo keeps its database, agent state and logs', path.join(process.cwd(), '.opscenter', 'demo'))
    .option('--fresh', 'start over with an empty database')
    .option('--simulated <clusters>', 'also run this many simulated clusters', '0')
    .option('--simulated-workers <count>', 'workers per simulated cluster', '40')
    .action(async (flags: { port: string; dir: string; fresh?: boolean; simulated: string; simulatedWorkers: string }) => {
      const number = (value: string, flag: string, max: number) => {
        const parsed = Number(value);
        if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) throw new Error(`--${flag} must be a whole number from 0 to ${max} (got "${value}")`);
        return parsed;
      };
      await runDemo({
        cli: process.argv[1],
        port: number(flags.port, 'port', 65535),
        dir: path.resolve(flags.dir),
        fresh: Boolean(flags.fresh),
        simulatedClusters: number(flags.simulated, 'simulated', 500),
        simulatedWorkers: number(flags.simulatedWorkers, 'simulated-workers', 10_000),
      });
    });
}
