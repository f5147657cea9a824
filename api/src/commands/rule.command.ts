import { type Command, Option } from 'commander';
import { type ApiClient, type ConnectionFlags, connectionOptions, RESULT_ERROR, unwrap, withClient } from './api-client.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli-error.ts';
import { table } from './op.format.ts';
import {
  type ConditionFlags,
  conditionFrom,
  conditionText,
  enumList,
  inputOf,
  keyValue,
  number,
  RULE_FIELDS,
  type Rule,
  type RuleInput,
  ruleFile,
  type SettingFlags,
  settingsFrom,
  targetText,
} from './rule.input.ts';
import { type TargetFlags, targetFrom, targetOptions } from './target-options.ts';

type RuleFlags = ConnectionFlags & TargetFlags & ConditionFlags & SettingFlags & { file?: string; json?: boolean };

const SEVERITIES = ['info', 'warning', 'critical'];

async function findRule(client: ApiClient, name: string): Promise<Rule> {
  const { alertRule } = await client.request<{ alertRule: Rule | null }>(`query($r: String!) { alertRule(rule: $r) { ${RULE_FIELDS} } }`, { r: name });
  if (!alertRule) throw new CliError(`no alert rule ${name}`, EXIT.REFUSED);
  return alertRule;
}

const hasTarget = (flags: TargetFlags) => Boolean(flags.all || flags.cluster || flags.tag || flags.node);

/** The rule the command line asks for: a file, or an existing rule, with the flags applied over it. */
async function ruleInput(client: ApiClient, base: RuleInput | null, name: string | undefined, flags: RuleFlags): Promise<RuleInput> {
  const condition = conditionFrom(flags);
  const input: Partial<RuleInput> = { ...base, ...settingsFrom(flags) };
  if (name) input.name = name;
  if (condition) input.condition = condition;
  if (hasTarget(flags) || !input.target) input.target = await targetFrom(client, flags);
  if (!input.name) throw new CliError('name the rule: rule create <name> (or give name in --file)', EXIT.USAGE);
  if (!input.condition)
    throw new CliError(
      'give a condition: --node-status, --cluster-health, --statistic, --anomaly, --operation-failed or --schedule-missed (see --help)',
      EXIT.USAGE,
    );
  return input as RuleInput;
}

async function channelNames(client: ApiClient): Promise<Map<string, string>> {
  const { notificationChannels } = await client.request<{ notificationChannels: { id: string; name: string }[] }>('{ notificationChannels { id name } }');
  return new Map(notificationChannels.map((channel) => [channel.id, channel.name]));
}

function ruleText(rule: Rule, channels: Map<string, string>): string {
  const labels = Object.entries(rule.labels).map(([key, value]) => `${key}=${value}`);
  return [
    `Rule ${rule.name}  (${rule.id})${rule.enabled ? '' : '  DISABLED'}`,
    `  condition       ${conditionText(rule.condition)}`,
    `  target          ${JSON.stringify(rule.target)}`,
    `  severity        ${rule.severity}`,
    `  for             ${rule.for}`,
    `  group interval  ${rule.groupInterval}`,
    `  labels          ${labels.length ? labels.join(', ') : '-'}`,
    `  channels        ${rule.channelIds.length ? rule.channelIds.map((id) => channels.get(id) ?? id).join(', ') : '- (alerts show, nobody is notified)'}`,
    `  description     ${rule.description || '-'}`,
    `  created by      ${rule.createdBy}`,
  ].join('\n');
}

function ruleOptions(command: Command): Command {
  return targetOptions(command)
    .option('--node-status <statuses>', 'condition: a node is DOWN, SUSPECT or UNKNOWN (comma-separated)', enumList)
    .option('--cause <causes>', 'with --node-status: only for these causes, e.g. REPORTED_FAILURE,MISSED_HEARTBEATS', enumList)
    .option('--cluster-health <healths>', 'condition: a cluster is UNREACHABLE, CRITICAL or DEGRADED (comma-separated)', enumList)
    .option('--statistic <metric>', 'condition: a measurement (cpu, memory, disk, load) averaged over --window is above --above')
    .option('--above <threshold>', 'with --statistic: the threshold (a percentage for cpu and disk)', number)
    .option('--anomaly <metric>', 'condition: a node’s measurement far from its own recent behaviour (robust z-score)')
    .option('--sensitivity <score>', 'with --anomaly: deviations that count as anomalous (default 3.5)', number)
    .option('--operation-failed', 'condition: an operation touching the target ended FAILED or TIMED_OUT')
    .option('--schedule-missed', 'condition: a schedule run was missed (target --all)')
    .option('--window <duration>', 'the statistic’s or anomaly’s window, or how long an operation/schedule alert stands')
    .option('--for <duration>', 'how long the condition must hold before the alert fires (default 0s)')
    .option('--group-interval <duration>', 'at most one notification per cluster per this interval (default 5m)')
    .addOption(new Option('--severity <severity>', 'severity of its alerts (default warning)').choices(SEVERITIES))
    .option('--label <key=value>', 'a label for its alerts (repeatable); silences match on labels', keyValue)
    .option('--description <template>', 'each alert’s description, e.g. "{{node}} in {{cluster}} is down"')
    .option('--channel <name>', 'a channel to notify (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--disabled', 'save it without evaluating it')
    .option('--json', 'print the saved rule as JSON');
}

const RULE_EXAMPLES = `
Examples:
  $ opscenter rule create workers-down --all --node-status DOWN --cause REPORTED_FAILURE --for 1m --severity critical --channel ops-hook
  $ opscenter rule create hot-cpu --tag "datacenter 1" --statistic cpu --above 90 --window 5m --label team=payments
  $ opscenter rule create unreachable --all --cluster-health UNREACHABLE,CRITICAL
  $ opscenter rule create cpu-odd --cluster as --anomaly cpu --sensitivity 4 --window 1h
  $ opscenter rule create --file rule.yaml

A rule file (YAML or JSON) holds an AlertRuleInput as the API takes it, e.g.
  name: workers-down
  target: { all: true }
  condition: { nodeStatus: { statuses: [DOWN] } }
  for: 1m
  channels: [ops-hook]
Flags given with --file override the file.
`;

function saved(result: unknown, verb: string, flags: { json?: boolean }): void {
  const rule = unwrap(result as Rule);
  console.log(flags.json ? JSON.stringify(rule, null, 2) : `${verb} rule ${rule.name} (${rule.id}): ${conditionText(rule.condition)}`);
}

export function registerRule(program: Command): void {
  const rule = program
    .command('rule')
    .description('Alert rules: which condition, over which nodes or clusters, raises an alert and whom it notifies.')
    .addHelpText('after', `\nEvery subcommand takes --url (OPSCENTER_URL) and --token (OPSCENTER_TOKEN).\n${EXIT_CODES_HELP}`);
  rule.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE)).showHelpAfterError('(add --help for usage)');

  connectionOptions(rule.command('list').description('List the rules.').option('--json', 'print JSON for scripts')).action(
    (flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { alertRules } = await client.request<{ alertRules: Rule[] }>(`{ alertRules { ${RULE_FIELDS} } }`);
        if (flags.json) return console.log(JSON.stringify(alertRules, null, 2));
        if (alertRules.length === 0) return console.log('No alert rules.');
        console.log(
          table(
            ['NAME', 'ENABLED', 'SEVERITY', 'FOR', 'TARGET', 'CONDITION'],
            alertRules.map((row) => [row.name, row.enabled ? 'yes' : 'no', row.severity, row.for, targetText(row.target), conditionText(row.condition)]),
          ),
        );
      }),
  );

  connectionOptions(rule.command('show <name>').description('Show a rule (by name or id).').option('--json', 'print JSON for scripts')).action(
    (name: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const found = await findRule(client, name);
        console.log(flags.json ? JSON.stringify(found, null, 2) : ruleText(found, await channelNames(client)));
      }),
  );

  connectionOptions(
    ruleOptions(rule.command('create [name]').description('Create a rule from flags or from a file.')).option(
      '--file <rule.yaml|json>',
      'the rule as YAML or JSON (an AlertRuleInput)',
    ),
  )
    .addHelpText('after', RULE_EXAMPLES + EXIT_CODES_HELP)
    .action((name: string | undefined, flags: RuleFlags) =>
      withClient(flags, async (client) => {
        const input = await ruleInput(client, flags.file ? ruleFile(flags.file) : null, name, flags);
        const data = await client.request<{ createAlertRule: unknown }>(
          `mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { ${RESULT_ERROR} ... on AlertRule { ${RULE_FIELDS} } } }`,
          { i: input },
        );
        saved(data.createAlertRule, 'created', flags);
      }),
    );

  connectionOptions(
    ruleOptions(rule.command('update <name>').description('Change a rule: what the flags give replaces what it had; the rest stays.'))
      .option('--file <rule.yaml|json>', 'replace the whole rule with this one (YAML or JSON)')
      .option('--rename <new-name>', 'give it a new name'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((name: string, flags: RuleFlags & { rename?: string }) =>
      withClient(flags, async (client) => {
        const existing = await findRule(client, name);
        const base = flags.file ? ruleFile(flags.file) : inputOf(existing);
        const input = await ruleInput(client, base, flags.rename, flags);
        const data = await client.request<{ updateAlertRule: unknown }>(
          `mutation($id: ID!, $i: AlertRuleInput!) { updateAlertRule(id: $id, input: $i) { ${RESULT_ERROR} ... on AlertRule { ${RULE_FIELDS} } } }`,
          { id: existing.id, i: input },
        );
        saved(data.updateAlertRule, 'updated', flags);
      }),
    );

  connectionOptions(rule.command('delete <name>').description('Delete a rule with its alerts and their history.')).action(
    (name: string, flags: ConnectionFlags) =>
      withClient(flags, async (client) => {
        const found = await findRule(client, name);
        const data = await client.request<{ deleteAlertRule: unknown }>(`mutation($id: ID!) { deleteAlertRule(id: $id) { ${RESULT_ERROR} } }`, {
          id: found.id,
        });
        unwrap(data.deleteAlertRule as object);
        console.log(`deleted rule ${found.name}`);
      }),
  );

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    connectionOptions(
      rule.command(`${action} <name>`).description(enabled ? 'Evaluate a rule again.' : 'Stop evaluating a rule; its open alerts stay as they are.'),
    ).action((name: string, flags: ConnectionFlags) =>
      withClient(flags, async (client) => {
        const found = await findRule(client, name);
        const data = await client.request<{ setAlertRuleEnabled: unknown }>(
          `mutation($id: ID!, $e: Boolean!) { setAlertRuleEnabled(id: $id, enabled: $e) { ${RESULT_ERROR} ... on AlertRule { name enabled } } }`,
          { id: found.id, e: enabled },
        );
        const updated = unwrap(data.setAlertRuleEnabled as { name: string; enabled: boolean });
        console.log(`rule ${updated.name} is ${updated.enabled ? 'enabled' : 'disabled'}`);
      }),
    );
  }
}
