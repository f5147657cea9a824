import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';

type Call = <Data = unknown>(url: string, query: string, variables: Record<string, unknown>, token?: string) => Promise<Data>;

/** The demo's webhook channel and the rules that notify it. */
export const DEMO_CHANNEL = 'demo-webhook';
const DEMO_RULES = [
  {
    name: 'worker-down',
    description: '{{node}} in {{cluster}} is down',
    severity: 'WARNING',
    target: { tags: { tags: ['role:worker'] } },
    condition: { nodeStatus: { statuses: ['DOWN'] } },
    for: '5s',
    groupInterval: '30s',
  },
  {
    name: 'cluster-unreachable',
    description: 'the manager of {{cluster}} is not reporting',
    severity: 'CRITICAL',
    target: { all: true },
    condition: { clusterHealth: { healths: ['UNREACHABLE'] } },
    for: '5s',
    groupInterval: '30s',
  },
];

/**
 * A webhook receiver as a partner would run one, inside the demo: it checks each delivery's
 * Standard Webhooks signature and prints what it received, so a killed worker shows up here as one
 * notification. Returns its URL.
 */
export async function startDemoReceiver(secret: string, logFile: string): Promise<{ url: string; close(): void }> {
  const verifier = new Webhook(secret);
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        verifier.verify(body, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const message = JSON.parse(body) as { title: string; text: string };
      fs.appendFileSync(logFile, `${new Date().toISOString()} ${request.headers['webhook-id']} ${body}\n`);
      console.log(`\n[webhook receiver] ${verified ? 'signature verified' : 'BAD SIGNATURE'}: ${message.title}\n${message.text}`);
      response.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => server.close() };
}

/** The receiver's signing secret, kept in the demo directory so the channel and the receiver agree across restarts. */
export function demoSecret(dir: string): string {
  const file = path.join(dir, 'webhook-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `whsec_${randomBytes(32).toString('base64')}`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** Points the demo's webhook channel at this run's receiver and makes sure the demo's two rules exist. */
export async function seedDemoAlerting(call: Call, url: string, token: string, receiverUrl: string, secret: string): Promise<void> {
  const { notificationChannels } = await call<{ notificationChannels: { id: string; name: string }[] }>(url, '{ notificationChannels { id name } }', {}, token);
  const input = { name: DEMO_CHANNEL, kind: 'WEBHOOK', url: receiverUrl, secret };
  const existing = notificationChannels.find((channel) => channel.name === DEMO_CHANNEL);
  const saved = existing
    ? await call<{ result: { __typename: string; message?: string } }>(
        url,
        'mutation($id: ID!, $input: NotificationChannelInput!) { result: updateNotificationChannel(id: $id, input: $input) { __typename ... on Error { message } } }',
        { id: existing.id, input },
        token,
      )
    : await call<{ result: { __typename: string; message?: string } }>(
        url,
        'mutation($input: NotificationChannelInput!) { result: createNotificationChannel(input: $input) { __typename ... on Error { message } } }',
        { input },
        token,
      );
  if (saved.result.message) throw new Error(`The demo could not set up its webhook channel: ${saved.result.message}`);
  const { alertRules } = await call<{ alertRules: { name: string }[] }>(url, '{ alertRules { name } }', {}, token);
  for (const rule of DEMO_RULES.filter((candidate) => !alertRules.some((existingRule) => existingRule.name === candidate.name))) {
    const created = await call<{ result: { message?: string } }>(
      url,
      'mutation($input: AlertRuleInput!) { result: createAlertRule(input: $input) { __typename ... on Error { message } } }',
      { input: { ...rule, channels: [DEMO_CHANNEL] } },
      token,
    );
    if (created.result.message) throw new Error(`The demo could not create the rule ${rule.name}: ${created.result.message}`);
  }
}
