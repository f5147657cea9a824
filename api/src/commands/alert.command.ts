import { type Command, InvalidArgumentError } from 'commander';
import { type ConnectionFlags, connectionOptions, RESULT_ERROR, unwrap, withClient } from './api-client.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli-error.ts';
import { elapsed, table, timestamp } from './op.format.ts';

interface Alert {
  id: string;
  state: string;
  subjectKind: string;
  subjectName: string;
  clusterName: string | null;
  summary: string;
  activeAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
  inhibitedBy: string | null;
  silenceId: string | null;
  acknowledgedBy: string | null;
  rule: { name: string; severity: string } | null;
}

interface AlertDetail extends Alert {
  description: string;
  value: number | null;
  labels: Record<string, string>;
  acknowledgedAt: string | null;
  acknowledgement: string | null;
  remediationOperationId: string | null;
  history: { at: string; kind: string; message: string; actor: string | null }[];
}

interface Matcher {
  label: string;
  value: string;
  regex: boolean;
}

interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  active: boolean;
}

const ALERT = 'id state subjectKind subjectName clusterName summary activeAt firedAt resolvedAt inhibitedBy silenceId acknowledgedBy rule { name severity }';
const SILENCE = 'id matchers { label value regex } startsAt endsAt comment createdBy active';
const STATES = ['FIRING', 'PENDING', 'RESOLVED'];

/** Why an alert notifies nobody, or that someone is on it, in one word for the list. */
function marker(alert: Alert): string {
  return [alert.inhibitedBy && 'inhibited', alert.silenceId && 'silenced', alert.acknowledgedBy && `acked by ${alert.acknowledgedBy}`]
    .filter(Boolean)
    .join(', ');
}

function since(alert: Alert): string {
  return timestamp(alert.resolvedAt ?? alert.firedAt ?? alert.activeAt);
}

function alertText(alert: AlertDetail): string {
  const labels = Object.entries(alert.labels).map(([key, value]) => `${key}=${value}`);
  const lines = [
    `Alert ${alert.id}`,
    `  rule          ${alert.rule?.name ?? '(deleted)'} (${alert.rule?.severity ?? '-'})`,
    `  state         ${alert.state}${alert.state === 'RESOLVED' ? '' : ` for ${elapsed(alert.firedAt ?? alert.activeAt, new Date().toISOString())}`}`,
    `  subject       ${alert.subjectKind.toLowerCase()} ${alert.subjectName}${alert.clusterName ? ` in ${alert.clusterName}` : ''}`,
    `  summary       ${alert.summary}`,
    ...(alert.description !== alert.summary ? [`  description   ${alert.description}`] : []),
    ...(alert.value !== null ? [`  value         ${alert.value}`] : []),
    `  active since  ${timestamp(alert.activeAt)}`,
    `  fired         ${timestamp(alert.firedAt)}`,
    `  resolved      ${timestamp(alert.resolvedAt)}`,
    ...(alert.inhibitedBy ? [`  inhibited by  ${alert.inhibitedBy}`] : []),
    ...(alert.silenceId ? [`  silenced by   ${alert.silenceId}`] : []),
    ...(alert.acknowledgedBy
      ? [`  acknowledged  by ${alert.acknowledgedBy} at ${timestamp(alert.acknowledgedAt)}${alert.acknowledgement ? `: ${alert.acknowledgement}` : ''}`]
      : []),
    ...(alert.remediationOperationId ? [`  remediation   operation ${alert.remediationOperationId}`] : []),
    `  labels        ${labels.join(', ')}`,
    '',
    'History:',
    table(
      ['AT', 'CHANGE', 'BY', 'DETAILS'],
      alert.history.map((entry) => [timestamp(entry.at), entry.kind, entry.actor ?? '-', entry.message]),
    ).replace(/^/gm, '  '),
  ];
  return lines.join('\n');
}

function matcherText(matcher: Matcher): string {
  return `${matcher.label}${matcher.regex ? '=~' : '='}${matcher.value}`;
}

/** Parses a repeatable `label=value` or `label=~regex` matcher. */
function matcher(value: string, previous: Matcher[] = []): Matcher[] {
  const parsed = /^([^=~]+)=(~?)(.*)$/s.exec(value);
  if (!parsed) throw new InvalidArgumentError('It must be written label=value, or label=~regex for a regular expression.');
  return [...previous, { label: parsed[1].trim(), value: parsed[3], regex: parsed[2] === '~' }];
}

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > 100) throw new InvalidArgumentError('It must be a whole number from 1 to 100.');
  return parsed;
}

function stateList(value: string, previous: string[] = []): string[] {
  const state = value.toUpperCase();
  if (!STATES.includes(state)) throw new InvalidArgumentError(`It must be one of: ${STATES.join(', ').toLowerCase()}.`);
  return [...previous, state];
}

const SILENCE_EXAMPLES = `
Examples:
  $ opscenter alert silence --match cluster=esb --duration 2h --comment "ESB upgrade, CHG-1234"
  $ opscenter alert silence --match alertname=hot-cpu --match node=~'web-[0-9]+' --until 2030-01-01T06:00:00Z --comment "batch window"

Alerts still show while silenced (marked so); only their notifications are held back. Labels to
match: alertname, severity, cluster, node (or the subject kind), and the rule's own labels.
`;

export function registerAlert(program: Command): void {
  const alert = program
    .command('alert')
    .description('Alerts: list, inspect, acknowledge and silence them.')
    .addHelpText('after', `\nEvery subcommand takes --url (OPSCENTER_URL) and --token (OPSCENTER_TOKEN).\n${EXIT_CODES_HELP}`);
  alert.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE)).showHelpAfterError('(add --help for usage)');

  connectionOptions(
    alert
      .command('list')
      .description('List alerts, newest first: by default the open ones (firing and pending).')
      .option('--state <state...>', 'only these states (firing, pending, resolved)', stateList)
      .option('--suppressed', 'only those held back (inhibited or silenced)')
      .option('--rule <name>', 'only this rule’s alerts')
      .option('--first <n>', 'how many, 1 to 100', wholeNumber, 50)
      .option('--json', 'print JSON for scripts'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((flags: ConnectionFlags & { state?: string[]; suppressed?: boolean; rule?: string; first: number; json?: boolean }) =>
      withClient(flags, async (client) => {
        const { alerts } = await client.request<{ alerts: { totalCount: number; nodes: Alert[] } }>(
          `query($s: [AlertState!], $sup: Boolean, $r: String, $f: Int!) { alerts(states: $s, suppressed: $sup, rule: $r, first: $f) { totalCount nodes { ${ALERT} } } }`,
          { s: flags.state ?? null, sup: flags.suppressed ?? null, r: flags.rule ?? null, f: flags.first },
        );
        if (flags.json) return console.log(JSON.stringify(alerts, null, 2));
        if (alerts.nodes.length === 0) return console.log('No alerts match.');
        const shown = alerts.totalCount > alerts.nodes.length ? `\n(${alerts.nodes.length} of ${alerts.totalCount}; use --first for more)` : '';
        console.log(
          table(
            ['ID', 'SEVERITY', 'STATE', 'RULE', 'SUBJECT', 'CLUSTER', 'SINCE', 'NOTE'],
            alerts.nodes.map((row) => [
              row.id,
              row.rule?.severity ?? '-',
              row.state,
              row.rule?.name ?? '(deleted)',
              row.subjectName,
              row.clusterName ?? '-',
              since(row),
              marker(row),
            ]),
          ) + shown,
        );
      }),
    );

  connectionOptions(alert.command('show <id>').description('Show an alert and its timeline.').option('--json', 'print JSON for scripts'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action((id: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { alert: found } = await client.request<{ alert: AlertDetail | null }>(
          `query($id: ID!) { alert(id: $id) { ${ALERT} description value labels acknowledgedAt acknowledgement remediationOperationId history { at kind message actor } } }`,
          { id },
        );
        if (!found) throw new CliError(`no alert ${id}`, EXIT.REFUSED);
        console.log(flags.json ? JSON.stringify(found, null, 2) : alertText(found));
      }),
    );

  connectionOptions(
    alert.command('ack <id>').description('Acknowledge an alert: say someone is on it.').option('--comment <text>', 'what you are doing about it'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((id: string, flags: ConnectionFlags & { comment?: string }) =>
      withClient(flags, async (client) => {
        const data = await client.request<{ acknowledgeAlert: unknown }>(
          `mutation($id: ID!, $c: String) { acknowledgeAlert(id: $id, comment: $c) { ${RESULT_ERROR} ... on Alert { id subjectName acknowledgedBy rule { name } } } }`,
          { id, c: flags.comment ?? '' },
        );
        const acked = unwrap(data.acknowledgeAlert as { id: string; subjectName: string; acknowledgedBy: string; rule: { name: string } | null });
        console.log(`acknowledged alert ${acked.id} (${acked.rule?.name ?? 'deleted rule'} on ${acked.subjectName}) as ${acked.acknowledgedBy}`);
      }),
    );

  connectionOptions(
    alert
      .command('silence')
      .description('Hold back notifications of the alerts whose labels match, for a while.')
      .requiredOption('--match <label=value|label=~regex>', 'a label the alerts must have (repeatable; all must match)', matcher)
      .option('--duration <duration>', 'how long, e.g. 2h')
      .option('--until <time>', 'when it ends, an ISO 8601 time')
      .requiredOption('--comment <text>', 'why: shown to whoever wonders where the alerts went'),
  )
    .addHelpText('after', SILENCE_EXAMPLES + EXIT_CODES_HELP)
    .action((flags: ConnectionFlags & { match: Matcher[]; duration?: string; until?: string; comment: string }) => {
      if (Boolean(flags.duration) === Boolean(flags.until)) throw new CliError('give --duration or --until (one of them)', EXIT.USAGE);
      if (flags.until && Number.isNaN(Date.parse(flags.until)))
        throw new CliError(`--until must be an ISO 8601 time, e.g. 2030-01-01T06:00:00Z (got "${flags.until}")`, EXIT.USAGE);
      return withClient(flags, async (client) => {
        const data = await client.request<{ createSilence: unknown }>(
          `mutation($i: SilenceInput!) { createSilence(input: $i) { ${RESULT_ERROR} ... on Silence { ${SILENCE} } } }`,
          {
            i: {
              matchers: flags.match,
              comment: flags.comment,
              ...(flags.duration ? { duration: flags.duration } : { endsAt: new Date(flags.until as string).toISOString() }),
            },
          },
        );
        const silence = unwrap(data.createSilence as Silence);
        console.log(`silence ${silence.id}: ${silence.matchers.map(matcherText).join(' ')} until ${timestamp(silence.endsAt)}`);
      });
    });

  connectionOptions(
    alert
      .command('silences')
      .description('List silences in force or to come, and those that ended in the last day.')
      .option('--json', 'print JSON for scripts'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { silences } = await client.request<{ silences: Silence[] }>(`{ silences { ${SILENCE} } }`);
        if (flags.json) return console.log(JSON.stringify(silences, null, 2));
        if (silences.length === 0) return console.log('No silences.');
        console.log(
          table(
            ['ID', 'ACTIVE', 'MATCHERS', 'STARTS', 'ENDS', 'BY', 'COMMENT'],
            silences.map((row) => [
              row.id,
              row.active ? 'yes' : 'no',
              row.matchers.map(matcherText).join(' '),
              timestamp(row.startsAt),
              timestamp(row.endsAt),
              row.createdBy,
              row.comment,
            ]),
          ),
        );
      }),
    );

  connectionOptions(alert.command('unsilence <id>').description('End a silence now; the alerts it held back notify at the next evaluation.'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action((id: string, flags: ConnectionFlags) =>
      withClient(flags, async (client) => {
        const data = await client.request<{ expireSilence: unknown }>(
          `mutation($id: ID!) { expireSilence(id: $id) { ${RESULT_ERROR} ... on Silence { id } } }`,
          {
            id,
          },
        );
        console.log(`silence ${unwrap(data.expireSilence as { id: string }).id} ended`);
      }),
    );
}
