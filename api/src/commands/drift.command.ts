import type { Command } from 'commander';
import { type ConnectionFlags, connectionOptions, withClient } from './api-client.ts';
import { EXIT_CODES_HELP } from './cli-error.ts';
import { type TargetFlags, targetFrom, targetOptions } from './target-options.ts';

interface DriftCounts {
  inSync: number;
  missing: number;
  different: number;
  installedNotLoaded: number;
  unexpected: number;
}

const COUNTS = 'inSync missing different installedNotLoaded unexpected';

const COLUMNS: [keyof DriftCounts, string][] = [
  ['inSync', 'in sync'],
  ['missing', 'missing'],
  ['different', 'different'],
  ['installedNotLoaded', 'not loaded'],
  ['unexpected', 'unexpected'],
];
const HEADER = COLUMNS.map(([, label]) => label).join('  ');
const countsText = (counts: DriftCounts) => COLUMNS.map(([key, label]) => String(counts[key]).padStart(label.length)).join('  ');

export function registerDrift(program: Command): void {
  connectionOptions(
    targetOptions(
      program
        .command('drift')
        .description('How the nodes’ files compare with their baselines: counts by cluster and by item (default: the whole system).')
        .option('--json', 'print JSON for scripts'),
    ),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((flags: ConnectionFlags & TargetFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const given = flags.cluster || flags.tag || flags.node;
        const target = given ? await targetFrom(client, flags) : { all: true };
        const { driftSummary } = await client.request<{
          driftSummary: {
            nodeCount: number;
            total: DriftCounts;
            clusters: ({ clusterName: string } & DriftCounts)[];
            items: ({ kind: string; name: string } & DriftCounts)[];
          };
        }>(
          `query($target: Target!) { driftSummary(target: $target) { nodeCount total { ${COUNTS} } clusters { clusterName ${COUNTS} } items { kind name ${COUNTS} } } }`,
          { target },
        );
        if (flags.json) {
          console.log(JSON.stringify(driftSummary, null, 2));
          return;
        }
        console.log(`${driftSummary.nodeCount} workers`);
        console.log(`\n${'cluster'.padEnd(24)} ${HEADER}`);
        for (const cluster of driftSummary.clusters) console.log(`${cluster.clusterName.padEnd(24)} ${countsText(cluster)}`);
        console.log(`${'total'.padEnd(24)} ${countsText(driftSummary.total)}`);
        console.log(`\n${'item'.padEnd(24)} ${HEADER}`);
        for (const item of driftSummary.items) console.log(`${`${item.kind.toLowerCase()} ${item.name}`.padEnd(24)} ${countsText(item)}`);
      }),
    );
}
