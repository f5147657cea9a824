import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { type Command, Option } from 'commander';
import { type ApiClient, type ConnectionFlags, connectionOptions, refused, withClient } from './api-client.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli-error.ts';
import { table, timestamp } from './op.format.ts';

const KINDS = ['patch', 'artifact', 'config'];
/** The most rows one GraphQL page may carry. */
const PAGE = 100;

interface AppliedFlags extends ConnectionFlags {
  cluster?: string[];
  tag?: string[];
  match?: 'all' | 'any';
  kind?: string;
  csv?: boolean;
}

interface AppliedRow {
  clusterName: string;
  nodeName: string;
  kind: string;
  name: string;
  version: string | null;
  sha256: string;
  installedSince: string;
  loaded: boolean;
  operationId: string | null;
  requestedBy: string | null;
}

const APPLIED = `query($target: Target, $kind: ContentKind, $first: Int!, $after: String) {
  appliedContent(target: $target, kind: $kind, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { clusterName nodeName kind name version sha256 installedSince loaded operationId requestedBy }
  }
}`;

function checkFlags(flags: AppliedFlags): void {
  if (flags.cluster && flags.tag)
    throw new CliError('give --cluster or --tag, not both (the tag cluster:<name> narrows tagged nodes to a cluster)', EXIT.USAGE);
  if (flags.match && !flags.tag) throw new CliError('--match only goes with --tag', EXIT.USAGE);
}

/** Every row of the report, a page at a time. */
async function appliedRows(client: ApiClient, flags: AppliedFlags): Promise<AppliedRow[]> {
  const target = flags.cluster ? { clusters: flags.cluster } : flags.tag ? { tags: { tags: flags.tag, match: flags.match?.toUpperCase() ?? 'ALL' } } : null;
  const rows: AppliedRow[] = [];
  let after: string | null = null;
  do {
    const { appliedContent }: { appliedContent: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: AppliedRow[] } } = await client.request(
      APPLIED,
      { target, kind: flags.kind ?? null, first: PAGE, after },
    );
    rows.push(...appliedContent.nodes);
    after = appliedContent.pageInfo.hasNextPage ? appliedContent.pageInfo.endCursor : null;
  } while (after);
  return rows;
}

/** The OC's CSV, streamed to stdout as it arrives. */
async function printCsv(client: ApiClient, flags: AppliedFlags): Promise<void> {
  const query = new URLSearchParams();
  for (const cluster of flags.cluster ?? []) query.append('cluster', cluster);
  for (const tag of flags.tag ?? []) query.append('tag', tag);
  if (flags.match) query.set('match', flags.match);
  if (flags.kind) query.set('kind', flags.kind);
  const response = await client.fetch(`/api/reports/applied-content.csv?${query}`);
  if (!response.ok || !response.body) {
    const answer = (await response.json().catch(() => null)) as { errors?: { message: string }[] } | null;
    if (answer?.errors?.length) throw refused(answer.errors);
    throw new CliError(`${client.url} answered HTTP ${response.status} without a report; is --url the OC?`, EXIT.UNREACHABLE);
  }
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream), process.stdout);
  } catch (error) {
    throw new CliError(`lost the connection to the OC while reading the report: ${(error as Error).message}`, EXIT.UNREACHABLE);
  }
}

export function registerReport(program: Command): void {
  const report = program.command('report').description('Reports over the fleet, as tables or CSV.');
  // Usage errors get their own exit code, as with `op`, so a script can tell a typo from a refusal.
  report.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE)).showHelpAfterError('(add --help for usage)');

  connectionOptions(
    report
      .command('applied')
      .description(
        'The applied-content report: every file installed on member nodes, the version of the item it matches, since when, and which DEPLOY (requested by whom) put it there. Files put there by hand have no operation.',
      )
      .option('--cluster <name...>', 'only the nodes of these clusters (names or ids)')
      .option('--tag <tag...>', 'only nodes carrying these tags (also cluster:<name>, product:<kind>, role:<role>)')
      .addOption(new Option('--match <how>', 'with --tag: nodes carrying all the tags (the default) or any of them').choices(['all', 'any']))
      .addOption(new Option('--kind <kind>', 'only files of this kind').choices(KINDS))
      .option('--csv', 'print the report as CSV (RFC 4180, with a header row), for spreadsheets'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((flags: AppliedFlags) => {
      checkFlags(flags);
      const kind = flags.kind?.toUpperCase();
      return withClient(flags, async (client) => {
        if (flags.csv) {
          await printCsv(client, { ...flags, kind });
          return;
        }
        const rows = await appliedRows(client, { ...flags, kind });
        if (rows.length === 0) {
          console.log('no files installed on the selected nodes');
          return;
        }
        console.log(
          table(
            ['CLUSTER', 'NODE', 'KIND', 'NAME', 'VERSION', 'SHA-256', 'INSTALLED SINCE', 'LOADED', 'OPERATION', 'REQUESTED BY'],
            rows.map((row) => [
              row.clusterName,
              row.nodeName,
              row.kind.toLowerCase(),
              row.name,
              row.version ?? '-',
              row.sha256.slice(0, 12),
              timestamp(row.installedSince),
              row.loaded ? 'yes' : 'no',
              row.operationId ?? 'by hand',
              row.requestedBy ?? '-',
            ]),
          ),
        );
      });
    });
}
