import type { Command } from 'commander';
import { type ApiClient, type ConnectionFlags, connectionOptions, RESULT_ERROR, unwrap, withClient } from './api-client.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli-error.ts';
import { itemIds } from './content-refs.ts';
import { type TargetFlags, targetFrom, targetOptions } from './target-options.ts';

interface Item {
  id: string;
  kind: string;
  name: string;
  version: string;
}

interface Version {
  version: number;
  target: Record<string, unknown>;
  message: string;
  author: string;
  createdAt: string;
  items: Item[];
}

const ITEM = 'id kind name version';
const VERSION = `version target message author createdAt items { ${ITEM} }`;

const itemText = (item: Item) => `${item.kind.toLowerCase().padEnd(8)} ${item.name} ${item.version}`;

function versionText(name: string, version: Version): string {
  return [
    `${name} version ${version.version}: ${version.message}  (${version.author}, ${new Date(version.createdAt).toLocaleString()})`,
    `  target  ${JSON.stringify(version.target)}`,
    ...(version.items.length ? version.items.map((item) => `  ${itemText(item)}`) : ['  (no items)']),
  ].join('\n');
}

async function current(client: ApiClient, name: string): Promise<{ id: string; name: string; current: Version } | null> {
  const { baseline } = await client.request<{ baseline: { id: string; name: string; current: Version } | null }>(
    `query($id: String!) { baseline(id: $id) { id name current { ${VERSION} } } }`,
    { id: name },
  );
  return baseline;
}

async function set(name: string, flags: ConnectionFlags & TargetFlags & { item?: string[]; message: string; json?: boolean }) {
  await withClient(flags, async (client) => {
    const input = { target: await targetFrom(client, flags), itemIds: await itemIds(client, flags.item ?? []), message: flags.message };
    const existing = await current(client, name);
    const result = existing
      ? (
          await client.request<{ updateBaseline: unknown }>(
            `mutation($id: String!, $input: BaselineInput!) { updateBaseline(id: $id, input: $input) { ${RESULT_ERROR} ... on Baseline { currentVersion } } }`,
            { id: existing.id, input },
          )
        ).updateBaseline
      : (
          await client.request<{ createBaseline: unknown }>(
            `mutation($name: String!, $input: BaselineInput!) { createBaseline(name: $name, input: $input) { ${RESULT_ERROR} ... on Baseline { currentVersion } } }`,
            { name, input },
          )
        ).createBaseline;
    const { currentVersion } = unwrap(result as { currentVersion: number });
    const saved = existing && existing.current.version === currentVersion ? 'unchanged at' : 'saved as';
    console.log(flags.json ? JSON.stringify({ name, currentVersion }) : `${name} ${saved} version ${currentVersion}`);
  });
}

export function registerBaseline(program: Command): void {
  const baseline = program
    .command('baseline')
    .description('Desired state: which patches, artifacts and configuration files belong on which nodes.')
    .addHelpText('after', `\nEvery subcommand takes --url (OPSCENTER_URL) and --token (OPSCENTER_TOKEN).\n${EXIT_CODES_HELP}`);
  baseline.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE)).showHelpAfterError('(add --help for usage)');

  connectionOptions(
    targetOptions(
      baseline
        .command('set <name>')
        .description('Create a baseline, or save a new version of it: the items that belong on the target’s nodes.')
        .option('--item <id-or-name@version...>', 'the content items (none: the baseline wants nothing there)')
        .requiredOption('--message <why>', 'why: kept with the version')
        .option('--json', 'print JSON for scripts'),
    ),
  ).action((name: string, flags) => set(name, flags));

  connectionOptions(baseline.command('show <name>').description('Show the version in force.').option('--json', 'print JSON for scripts')).action(
    (name: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const found = await current(client, name);
        if (!found) throw new CliError(`no baseline ${name}`, EXIT.REFUSED);
        console.log(flags.json ? JSON.stringify(found, null, 2) : versionText(found.name, found.current));
      }),
  );

  connectionOptions(baseline.command('history <name>').description('List every version, newest first.').option('--json', 'print JSON for scripts')).action(
    (name: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { baseline: found } = await client.request<{ baseline: { name: string; versions: { nodes: Version[] } } | null }>(
          `query($id: String!) { baseline(id: $id) { name versions(first: 100) { nodes { ${VERSION} } } } }`,
          { id: name },
        );
        if (!found) throw new CliError(`no baseline ${name}`, EXIT.REFUSED);
        console.log(
          flags.json ? JSON.stringify(found.versions.nodes, null, 2) : found.versions.nodes.map((version) => versionText(found.name, version)).join('\n'),
        );
      }),
  );

  connectionOptions(
    baseline
      .command('diff <name>')
      .description('What changed between two versions.')
      .requiredOption('--from <version>', 'the earlier version', Number)
      .option('--to <version>', 'the later version (default: the one in force)', Number)
      .option('--json', 'print JSON for scripts'),
  ).action((name: string, flags: ConnectionFlags & { from: number; to?: number; json?: boolean }) =>
    withClient(flags, async (client) => {
      const { baseline: found } = await client.request<{
        baseline: { diff: { from: { version: number }; to: { version: number }; targetChanged: boolean; added: Item[]; removed: Item[] } } | null;
      }>(
        `query($id: String!, $from: Int!, $to: Int) { baseline(id: $id) { diff(from: $from, to: $to) { from { version } to { version } targetChanged added { ${ITEM} } removed { ${ITEM} } } } }`,
        {
          id: name,
          from: flags.from,
          to: flags.to,
        },
      );
      if (!found) throw new CliError(`no baseline ${name}`, EXIT.REFUSED);
      const { diff } = found;
      if (flags.json) {
        console.log(JSON.stringify(diff, null, 2));
        return;
      }
      console.log(`${name}: version ${diff.from.version} → ${diff.to.version}${diff.targetChanged ? ' (target changed)' : ''}`);
      for (const item of diff.removed) console.log(`- ${itemText(item)}`);
      for (const item of diff.added) console.log(`+ ${itemText(item)}`);
      if (!diff.added.length && !diff.removed.length) console.log('  (same items)');
    }),
  );

  connectionOptions(
    baseline
      .command('enforce <name>')
      .description(
        'Keep a baseline enforced: on a cron timetable the OC deploys to the nodes that drifted from it, one deploy at a time (see `opscenter op deploy`).',
      )
      .option('--cron <expression>', 'when to look for drift, e.g. "*/15 * * * *"')
      .option('--timezone <zone>', 'the IANA time zone of the cron expression', 'UTC')
      .option('--max-parallel <n>', 'nodes per batch of each deploy (default 1)', Number)
      .option('--off', 'stop enforcing it'),
  ).action((name: string, flags: ConnectionFlags & { cron?: string; timezone: string; maxParallel?: number; off?: boolean }) =>
    withClient(flags, async (client) => {
      if (flags.off === Boolean(flags.cron)) throw new CliError('give --cron <expression> to enforce, or --off to stop', EXIT.USAGE);
      if (flags.off) {
        const data = await client.request<{ stopEnforcingBaseline: { name: string } }>(
          `mutation($b: String!) { stopEnforcingBaseline(baseline: $b) { ${RESULT_ERROR} ... on Schedule { name } } }`,
          { b: name },
        );
        console.log(`${name} is no longer enforced (schedule ${unwrap(data.stopEnforcingBaseline).name} deleted)`);
        return;
      }
      const strategy = flags.maxParallel === undefined ? null : { maxParallel: flags.maxParallel };
      const data = await client.request<{ enforceBaseline: { name: string; nextRuns: string[] } }>(
        `mutation($b: String!, $i: EnforcementInput!) { enforceBaseline(baseline: $b, input: $i) { ${RESULT_ERROR} ... on Schedule { name nextRuns(count: 1) } } }`,
        { b: name, i: { cron: flags.cron, timezone: flags.timezone, strategy } },
      );
      const schedule = unwrap(data.enforceBaseline);
      console.log(`${name} is enforced by schedule ${schedule.name}; next check ${schedule.nextRuns[0] ?? 'never (disabled)'}`);
    }),
  );
}
