import { type Command, Option } from 'commander';
import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './cli-error.ts';
import { resolveNodes, type Target } from './op.api.ts';

export interface TargetFlags {
  all?: boolean;
  cluster?: string[];
  tag?: string[];
  match?: 'ALL' | 'ANY';
  node?: string[];
}

/** The one way commands choose nodes: --all, --cluster, --tag [--match] or --node, as the API's Target. */
export function targetOptions(command: Command): Command {
  return command
    .option('--all', 'every node in the system')
    .option('--cluster <name...>', 'the nodes of these clusters (names or ids)')
    .option('--tag <tag...>', 'nodes carrying these tags (also cluster:<name>, product:<kind>, role:<role>)')
    .addOption(
      new Option('--match <how>', 'with --tag: nodes carrying all the tags (the default) or any of them')
        .choices(['all', 'any'])
        .argParser((value) => value.toUpperCase()),
    )
    .option('--node <name-or-id...>', 'these nodes (a name, cluster/name where names repeat, or an id)');
}

export async function targetFrom(client: ApiClient, flags: TargetFlags): Promise<Target> {
  const given = [flags.all && '--all', flags.cluster && '--cluster', flags.tag && '--tag', flags.node && '--node'].filter(Boolean);
  if (given.length === 0) throw new CliError('say which nodes: give one of --all, --cluster, --tag or --node', EXIT.USAGE);
  if (given.length > 1) throw new CliError(`give one target, not ${given.join(' and ')}`, EXIT.USAGE);
  if (flags.match && !flags.tag) throw new CliError('--match only goes with --tag', EXIT.USAGE);
  if (flags.all) return { all: true };
  if (flags.cluster) return { clusters: flags.cluster };
  if (flags.tag) return { tags: { tags: flags.tag, match: flags.match ?? 'ALL' } };
  return { nodes: await resolveNodes(client, flags.node ?? []) };
}
