import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ApiClient, type ConnectionFlags, connectionOptions, RESULT_ERROR, unwrap, withClient } from './api-client.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli-error.ts';
import { table } from './op.format.ts';

interface Channel {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  url: string | null;
  host: string | null;
  smtpHost: string | null;
  smtpPort: number | null;
  from: string | null;
  to: string[] | null;
  secretSet: boolean;
  maxAttempts: number;
}

interface CreateFlags extends ConnectionFlags {
  kind: string;
  endpoint?: string;
  secret?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpSecure?: boolean;
  smtpUser?: string;
  from?: string;
  to?: string[];
  maxAttempts?: number;
  disabled?: boolean;
}

const CHANNEL = 'id name kind enabled url host smtpHost smtpPort from to secretSet maxAttempts';
const KINDS = ['webhook', 'slack', 'email', 'event-export'];
const SIGNED = new Set(['WEBHOOK', 'EVENT_EXPORT']);
/** How long `channel test` waits for the first attempt's outcome. */
const TEST_WAIT_MS = 15_000;

/** A Standard Webhooks signing secret, made here so that only the OC and the person running this command ever see it. */
function signingSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function destination(channel: Channel): string {
  if (channel.kind === 'EMAIL') return `${channel.to?.join(',') ?? ''} via ${channel.smtpHost}:${channel.smtpPort}`;
  if (channel.kind === 'SLACK') return channel.host ?? '-';
  return channel.url ?? '-';
}

function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > 65_535) throw new InvalidArgumentError('It must be a port number.');
  return parsed;
}

function attempts(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1) throw new InvalidArgumentError('It must be a whole number of at least 1.');
  return parsed;
}

async function findChannel(client: ApiClient, name: string): Promise<Channel> {
  const { notificationChannels } = await client.request<{ notificationChannels: Channel[] }>(`{ notificationChannels { ${CHANNEL} } }`);
  const found = notificationChannels.find((channel) => channel.name === name || channel.id === name.toLowerCase());
  if (!found) throw new CliError(`no channel ${name}`, EXIT.REFUSED);
  return found;
}

async function create(name: string, flags: CreateFlags): Promise<void> {
  const kind = flags.kind.toUpperCase().replace('-', '_');
  const generated = SIGNED.has(kind) && !flags.secret ? signingSecret() : null;
  await withClient(flags, async (client) => {
    const input = {
      name,
      kind,
      url: flags.endpoint,
      secret: generated ?? flags.secret,
      smtpHost: flags.smtpHost,
      smtpPort: flags.smtpPort,
      smtpSecure: flags.smtpSecure,
      smtpUser: flags.smtpUser,
      from: flags.from,
      to: flags.to,
      maxAttempts: flags.maxAttempts,
      ...(flags.disabled ? { enabled: false } : {}),
    };
    const data = await client.request<{ createNotificationChannel: unknown }>(
      `mutation($i: NotificationChannelInput!) { createNotificationChannel(input: $i) { ${RESULT_ERROR} ... on NotificationChannel { ${CHANNEL} } } }`,
      { i: input },
    );
    const channel = unwrap(data.createNotificationChannel as Channel);
    console.log(`created ${channel.kind} channel ${channel.name} (${channel.id}) to ${destination(channel)}`);
    if (generated) {
      console.log(`signing secret: ${generated}`);
      console.log('Give it to the receiver to verify signatures (Standard Webhooks). It is shown only this once: the OC never returns it.');
    }
  });
}

/** Queues a test notification and waits for its first attempt, so the command says whether the channel works. */
async function test(client: ApiClient, name: string): Promise<void> {
  const channel = await findChannel(client, name);
  const data = await client.request<{ testNotificationChannel: unknown }>(
    `mutation($id: ID!) { testNotificationChannel(id: $id) { ${RESULT_ERROR} ... on Notification { id } } }`,
    { id: channel.id },
  );
  const { id } = unwrap(data.testNotificationChannel as { id: string });
  console.log(`queued test notification ${id} on ${channel.name}`);
  const deadline = Date.now() + TEST_WAIT_MS;
  while (Date.now() < deadline) {
    const { notifications } = await client.request<{
      notifications: { nodes: { id: string; state: string; attempts: number; lastError: string | null; nextAttemptAt: string | null }[] };
    }>('query($c: ID!) { notifications(channel: $c, first: 20) { nodes { id state attempts lastError nextAttemptAt } } }', { c: channel.id });
    const sent = notifications.nodes.find((notification) => notification.id === id);
    if (sent?.state === 'DELIVERED') return console.log(`delivered: ${channel.name} works`);
    if (sent && sent.attempts > 0) {
      const next = sent.state === 'PENDING' ? `; the OC retries at ${sent.nextAttemptAt}` : '; dead-lettered';
      throw new CliError(`attempt ${sent.attempts} failed: ${sent.lastError}${next}`, EXIT.FAILED);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new CliError(`no attempt within ${TEST_WAIT_MS / 1000} s; see the outbox in the dashboard (notification ${id})`, EXIT.FAILED);
}

const CREATE_EXAMPLES = `
Examples:
  $ opscenter channel create ops-hook --kind webhook --endpoint https://hooks.example/oc
  $ opscenter channel create ops-slack --kind slack --secret https://hooks.slack.com/services/T000/B000/XXXX
  $ opscenter channel create oncall-mail --kind email --smtp-host smtp.example --from oc@example.com --to oncall@example.com --smtp-user oc --secret "$SMTP_PASSWORD"
  $ opscenter channel create analytics --kind event-export --endpoint https://analytics.example/ingest

Webhook and event-export channels are signed (Standard Webhooks). Without --secret the command
makes a signing secret and prints it once: give it to the receiver. Secrets are write-only; the
OC never returns them. --secret may also come from OPSCENTER_CHANNEL_SECRET.
`;

export function registerChannel(program: Command): void {
  const channel = program
    .command('channel')
    .description('Notification channels: signed webhooks, Slack, e-mail and the event export.')
    .addHelpText('after', `\nEvery subcommand takes --url (OPSCENTER_URL) and --token (OPSCENTER_TOKEN).\n${EXIT_CODES_HELP}`);
  channel.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE)).showHelpAfterError('(add --help for usage)');

  connectionOptions(channel.command('list').description('List the channels (secrets are never shown).').option('--json', 'print JSON for scripts')).action(
    (flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { notificationChannels } = await client.request<{ notificationChannels: Channel[] }>(`{ notificationChannels { ${CHANNEL} } }`);
        if (flags.json) return console.log(JSON.stringify(notificationChannels, null, 2));
        if (notificationChannels.length === 0) return console.log('No channels.');
        console.log(
          table(
            ['NAME', 'KIND', 'ENABLED', 'SECRET', 'ATTEMPTS', 'ID', 'DESTINATION'],
            notificationChannels.map((row) => [
              row.name,
              row.kind,
              row.enabled ? 'yes' : 'no',
              row.secretSet ? 'set' : 'none',
              String(row.maxAttempts),
              row.id,
              destination(row),
            ]),
          ),
        );
      }),
  );

  // --url is the OC's address, as in every command that talks to one; the receiver's is --endpoint.
  connectionOptions(
    channel
      .command('create <name>')
      .description('Create a channel.')
      .addOption(new Option('--kind <kind>', 'how it delivers').choices(KINDS).makeOptionMandatory())
      .option('--endpoint <url>', 'webhook, event-export: the receiver’s URL to POST to')
      .addOption(
        new Option('--secret <secret>', 'webhook, event-export: the signing secret (whsec_…); slack: the webhook URL; email: the SMTP password').env(
          'OPSCENTER_CHANNEL_SECRET',
        ),
      )
      .option('--smtp-host <host>', 'email: the SMTP server')
      .option('--smtp-port <port>', 'email: its port (default 587)', port)
      .option('--smtp-secure', 'email: TLS from the start (default: on port 465)')
      .option('--smtp-user <user>', 'email: the user name, if the server wants a login')
      .option('--from <address>', 'email: the sender')
      .option('--to <address...>', 'email: the recipients')
      .option('--max-attempts <n>', 'attempts before a notification is dead-lettered', attempts)
      .option('--disabled', 'create it without queuing notifications for it'),
  )
    .addHelpText('after', CREATE_EXAMPLES + EXIT_CODES_HELP)
    .action((name: string, flags: CreateFlags) => create(name, flags));

  connectionOptions(channel.command('test <name>').description('Send a test notification and wait for its first attempt; exits 1 if it failed.'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action((name: string, flags: ConnectionFlags) => withClient(flags, (client) => test(client, name)));

  connectionOptions(channel.command('delete <name>').description('Delete a channel with its outbox; rules that named it stop naming it.'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action((name: string, flags: ConnectionFlags) =>
      withClient(flags, async (client) => {
        const found = await findChannel(client, name);
        const data = await client.request<{ deleteNotificationChannel: unknown }>(
          `mutation($id: ID!) { deleteNotificationChannel(id: $id) { ${RESULT_ERROR} } }`,
          { id: found.id },
        );
        unwrap(data.deleteNotificationChannel as object);
        console.log(`deleted channel ${found.name}`);
      }),
    );
}
