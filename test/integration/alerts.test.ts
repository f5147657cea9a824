import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollManager, type ScriptedManager, statusOf } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';
import { signingSecret, startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const INTERVAL = 5_000;

const CREATE_RULE = `mutation($input: AlertRuleInput!) {
  createAlertRule(input: $input) { __typename ... on AlertRule { id name } ... on Error { code message } }
}`;
const CREATE_CHANNEL = `mutation($input: NotificationChannelInput!) {
  createNotificationChannel(input: $input) { __typename ... on NotificationChannel { id name secretSet url } ... on Error { code message } }
}`;
const ALERTS = `query($states: [AlertState!]) {
  alerts(first: 100, states: $states) { nodes { id state subjectName clusterName summary inhibitedBy silenceId acknowledgedBy history { kind message } } }
}`;

describe('alerts', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let secret: string;

  beforeEach(async () => {
    server = await startTestServer();
    await server.tick(30_000);
    secret = signingSecret();
    receiver = await startWebhookReceiver(secret);
  });
  afterEach(async () => {
    await server.stop();
    await receiver.close();
  });

  const admin = async <T = any>(query: string, variables: Record<string, unknown> = {}) => ok<T>(await server.gql<T>(query, variables, server.adminToken));
  const webhook = async (name = 'ops-hook', extra: Record<string, unknown> = {}) => {
    const channel = (await admin(CREATE_CHANNEL, { input: { name, kind: 'WEBHOOK', url: receiver.url, secret, ...extra } })).createNotificationChannel;
    expect(channel.__typename).toBe('NotificationChannel');
    return channel;
  };
  const rule = async (input: Record<string, unknown>) => (await admin(CREATE_RULE, { input: { target: { all: true }, ...input } })).createAlertRule;
  const alerts = async (states = ['PENDING', 'FIRING']) => (await admin(ALERTS, { states })).alerts.nodes as any[];
  const evaluate = async () => {
    await server.app.services.alertEvaluator.evaluate();
    await server.app.services.notifications.tick();
  };
  type Fleet = [ScriptedManager, string[], string[]][];
  /** Every manager beats every interval for `ms`: each its workers, the listed ones failing, the others healthy. */
  const run = async (fleet: Fleet, ms: number) => {
    const beat = () =>
      Promise.all(
        fleet.map(([manager, workers, failing]) => manager.beat(workers.map((name) => ({ name, state: failing.includes(name) ? 'STOPPED' : 'HEALTHY' })))),
      );
    for (let elapsed = 0; elapsed < ms; elapsed += INTERVAL) {
      await beat();
      await server.tick(INTERVAL);
    }
    await beat();
  };

  it('refuses a bad rule with a typed error naming the field, and stores nothing', async () => {
    await enrollManager(server, 'payments', { workers: ['pay-1'] });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'x', condition: {} }, /exactly one condition/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['DOWN'] }, clusterHealth: { healths: ['CRITICAL'] } } }, /exactly one condition/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['MAINTENANCE'] } } }, /MAINTENANCE is never an alert/],
      [{ name: 'x', condition: { nodeStatus: { statuses: [] } } }, /at least one/],
      [{ name: 'x', condition: { statistic: { metric: 'CPU', above: 150 } } }, /between 0 and 100/],
      [{ name: 'x', condition: { statistic: { metric: 'CPU', above: 90, window: '2d' } } }, /window must be from 1m to 1d/],
      [{ name: 'x', condition: { anomaly: { metric: 'CPU', sensitivity: 0 } } }, /sensitivity/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['DOWN'] } }, for: '30d' }, /for must be/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['DOWN'] } }, target: { clusters: ['nope'] } }, /No cluster named/],
      [{ name: 'x', condition: { scheduleMissed: {} }, target: { clusters: ['payments'] } }, /give target \{ all: true \}/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['DOWN'] } }, channels: ['nowhere'] }, /No channel/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['DOWN'] } }, description: '{{#node}' }, /not a valid template/],
      [{ name: 'x y', condition: { nodeStatus: { statuses: ['DOWN'] } } }, /may use only letters/],
      [{ name: 'x', condition: { nodeStatus: { statuses: ['DOWN'] } }, labels: { 'bad-key': 'v' } }, /Label names/],
    ];
    for (const [input, message] of cases) {
      const result = await rule(input);
      expect(result.__typename, JSON.stringify(input)).not.toBe('AlertRule');
      expect(result.message, JSON.stringify(input)).toMatch(message);
    }
    // The field is the argument to fix; the message says whose name it is.
    const badName = (
      await admin(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { ... on ValidationError { code field message } } }`, {
        input: { target: { all: true }, name: 'x y', condition: { nodeStatus: { statuses: ['DOWN'] } } },
      })
    ).createAlertRule;
    expect(badName).toMatchObject({ code: 'INVALID_NAME', field: 'name', message: expect.stringMatching(/^The rule name "x y"/) });
    expect((await admin('{ alertRules { name } }')).alertRules).toEqual([]);
    const bad = await server.gql(`{ alertRules { name } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('takes a node DOWN for its duration from PENDING to FIRING to RESOLVED, one signed webhook per cluster for the whole group', async () => {
    const hook = await webhook();
    const east = await enrollManager(server, 'east', { workers: ['e-1', 'e-2', 'e-3'] });
    const west = await enrollManager(server, 'west', { workers: ['w-1', 'w-2'] });
    const created = await rule({
      name: 'worker-down',
      description: '{{node}} in {{cluster}} is down',
      severity: 'CRITICAL',
      labels: { team: 'ops' },
      condition: { nodeStatus: { statuses: ['DOWN'] } },
      for: '1m',
      groupInterval: '5m',
      channels: [hook.name],
    });
    expect(created.__typename).toBe('AlertRule');
    const eastWorkers = ['e-1', 'e-2', 'e-3'];
    const westWorkers = ['w-1', 'w-2'];
    await run(
      [
        [east, eastWorkers, ['e-1', 'e-2']],
        [west, westWorkers, ['w-1']],
      ],
      3 * INTERVAL,
    );
    expect(await statusOf(server, 'east')).toMatchObject({ 'e-1': 'DOWN', 'e-2': 'DOWN', 'e-3': 'UP' });
    await evaluate();
    expect((await alerts()).map((alert) => [alert.subjectName, alert.state]).sort()).toEqual([
      ['e-1', 'PENDING'],
      ['e-2', 'PENDING'],
      ['w-1', 'PENDING'],
    ]);
    expect(receiver.received).toEqual([]);

    await run(
      [
        [east, eastWorkers, ['e-1', 'e-2']],
        [west, westWorkers, ['w-1']],
      ],
      60_000,
    );
    await evaluate();
    await eventually(() => expect(receiver.received).toHaveLength(2));
    const firing = await alerts(['FIRING']);
    expect(firing).toHaveLength(3);
    expect(firing[0].history.map((entry: any) => entry.kind)).toEqual(['PENDING', 'FIRING', 'NOTIFIED']);
    const byCluster = Object.fromEntries(receiver.received.map((hookCall) => [hookCall.body.data.cluster, hookCall]));
    expect(receiver.received.every((hookCall) => hookCall.verified)).toBe(true);
    expect(byCluster.east.body.type).toBe('alert.firing');
    expect(byCluster.east.body.title).toBe('[FIRING:2] worker-down in east (CRITICAL)');
    expect(byCluster.east.body.data.firing.map((alert: any) => alert.description)).toEqual(['e-1 in east is down', 'e-2 in east is down']);
    expect(byCluster.east.body.data.firing[0].labels).toMatchObject({
      alertname: 'worker-down',
      severity: 'critical',
      team: 'ops',
      cluster: 'east',
      node: 'e-1',
    });
    expect(byCluster.west.body.data.firing.map((alert: any) => alert.subject)).toEqual(['w-1']);

    // e-3 goes down too: pending when first seen, then firing, but the group was told less than 5 minutes ago, so it waits.
    await run(
      [
        [east, eastWorkers, eastWorkers],
        [west, westWorkers, ['w-1']],
      ],
      90_000,
    );
    await evaluate();
    expect((await alerts()).map((alert) => `${alert.subjectName}:${alert.state}`).sort()).toEqual(['e-1:FIRING', 'e-2:FIRING', 'e-3:PENDING', 'w-1:FIRING']);
    await run(
      [
        [east, eastWorkers, eastWorkers],
        [west, westWorkers, ['w-1']],
      ],
      60_000,
    );
    await evaluate();
    expect((await alerts(['FIRING'])).map((alert) => alert.subjectName).sort()).toEqual(['e-1', 'e-2', 'e-3', 'w-1']);
    expect(receiver.received).toHaveLength(2);
    await run(
      [
        [east, eastWorkers, eastWorkers],
        [west, westWorkers, ['w-1']],
      ],
      3 * 60_000,
    );
    await evaluate();
    await eventually(() => expect(receiver.received).toHaveLength(3));
    expect(receiver.received[2].body.title).toBe('[FIRING:3] worker-down in east (CRITICAL)');

    // Everything recovers: one resolved notice for east once the interval allows it.
    await run(
      [
        [east, eastWorkers, []],
        [west, westWorkers, ['w-1']],
      ],
      5 * 60_000,
    );
    await evaluate();
    await eventually(() => expect(receiver.received).toHaveLength(4));
    expect(receiver.received[3].body).toMatchObject({ type: 'alert.resolved', title: '[RESOLVED] worker-down in east (CRITICAL)' });
    expect(receiver.received[3].body.data.resolved.map((alert: any) => alert.subject)).toEqual(['e-1', 'e-2', 'e-3']);
    expect(new Set(receiver.received.map((hookCall) => hookCall.id)).size).toBe(4);
    const resolved = await alerts(['RESOLVED']);
    expect(resolved.map((alert) => alert.subjectName).sort()).toEqual(['e-1', 'e-2', 'e-3']);
  });

  it('holds back the workers of an unreachable cluster behind one cluster alert, visible as inhibited', async () => {
    const hook = await webhook();
    const manager = await enrollManager(server, 'dc1', { workers: ['d-1', 'd-2', 'd-3'] });
    await manager.beat(['d-1', 'd-2', 'd-3'].map((name) => ({ name })));
    await rule({ name: 'worker-lost', condition: { nodeStatus: { statuses: ['DOWN', 'UNKNOWN'] } }, channels: [hook.name] });
    await rule({ name: 'cluster-unreachable', severity: 'CRITICAL', condition: { clusterHealth: { healths: ['UNREACHABLE'] } }, channels: [hook.name] });
    // The manager falls silent: its lease expires, the cluster is UNREACHABLE, its nodes UNKNOWN.
    for (let elapsed = 0; elapsed < 20_000; elapsed += INTERVAL) await server.tick(INTERVAL);
    expect(await statusOf(server, 'dc1')).toMatchObject({ 'd-1': 'UNKNOWN', 'd-2': 'UNKNOWN', 'd-3': 'UNKNOWN' });
    await evaluate();
    await eventually(() => expect(receiver.received).toHaveLength(1));
    expect(receiver.received[0].body.title).toBe('[FIRING:1] cluster-unreachable in dc1 (CRITICAL)');
    const open = await alerts(['FIRING']);
    const workers = open.filter((alert) => alert.subjectName.startsWith('d-'));
    expect(workers).toHaveLength(3);
    for (const alert of workers) expect(alert.inhibitedBy).toMatch(/cluster dc1 is unreachable/);
    expect((await admin('{ alertCounts { firing inhibited } }')).alertCounts).toEqual({ firing: 1, inhibited: 4 });
    await evaluate();
    expect(receiver.received).toHaveLength(1);
  });

  it('silences by label and acknowledges with a comment, both in the history; the alerts subscription resumes by sequence', async () => {
    const hook = await webhook();
    const manager = await enrollManager(server, 'api', { workers: ['a-1', 'a-2'] });
    await rule({ name: 'api-down', condition: { nodeStatus: { statuses: ['SUSPECT', 'DOWN'] } }, channels: [hook.name] });
    const silence = ok<any>(
      await server.gql(
        `mutation($input: SilenceInput!) { createSilence(input: $input) { __typename ... on Silence { id active } ... on Error { code message } } }`,
        { input: { matchers: [{ label: 'node', value: 'a-1' }], duration: '1h', comment: 'disk swap on a-1' } },
        server.adminToken,
      ),
    ).createSilence;
    expect(silence.active).toBe(true);
    const silenceMatching = async (value: string) =>
      ok<any>(
        await server.gql(
          `mutation($input: SilenceInput!) { createSilence(input: $input) { __typename ... on Error { code message } } }`,
          { input: { matchers: [{ label: 'node', value, regex: true }], duration: '1h', comment: 'x' } },
          server.adminToken,
        ),
      ).createSilence;
    expect(await silenceMatching('(')).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/not a valid regular expression/) });
    // An expression that backtracks for ever on a near miss would stall every evaluation pass.
    expect(await silenceMatching('(a+)+')).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/exponential time/) });
    const sequence = (await admin('{ eventSequence }')).eventSequence;
    await manager.beat([
      { name: 'a-1', state: 'STOPPED' },
      { name: 'a-2', state: 'STOPPED' },
    ]);
    await evaluate();
    await eventually(() => expect(receiver.received).toHaveLength(1));
    expect(receiver.received[0].body.data.firing.map((alert: any) => alert.subject)).toEqual(['a-2']);
    const [a1] = (await alerts()).filter((alert) => alert.subjectName === 'a-1');
    expect(a1.silenceId).toBe(silence.id);
    const acked = ok<any>(
      await server.gql(
        `mutation($id: ID!) { acknowledgeAlert(id: $id, comment: "swapping the disk") { ... on Alert { acknowledgedBy acknowledgement history { kind message actor } } } }`,
        { id: a1.id },
        server.adminToken,
      ),
    ).acknowledgeAlert;
    expect(acked.acknowledgedBy).toBe('admin');
    expect(acked.history.at(-1)).toEqual({ kind: 'ACKNOWLEDGED', message: 'swapping the disk', actor: 'admin' });
    // An operator makes it public on the status page: the incident remembers the alert; an unknown alert is refused.
    const publish = (alertId: string) =>
      server.gql(
        `mutation($input: StatusIncidentInput!) { publishStatusIncident(input: $input) { __typename ... on StatusIncident { alertId } ... on Error { code } } }`,
        { input: { title: 'API slow', message: 'We are looking into it.', componentIds: [], alertId } },
        server.adminToken,
      );
    expect(ok<any>(await publish(a1.id)).publishStatusIncident).toEqual({ __typename: 'StatusIncident', alertId: a1.id });
    expect(ok<any>(await publish('00000000-0000-4000-8000-000000000000')).publishStatusIncident.code).toBe('NOT_FOUND');
    // The silence ends: a-1 notifies at the next pass (after the group interval).
    ok(await server.gql(`mutation($id: ID!) { expireSilence(id: $id) { __typename } }`, { id: silence.id }, server.adminToken));
    await server.tick(5 * 60_000);
    await manager.beat([
      { name: 'a-1', state: 'STOPPED' },
      { name: 'a-2', state: 'STOPPED' },
    ]);
    await evaluate();
    await eventually(() => expect(receiver.received).toHaveLength(2));
    expect(receiver.received[1].body.data.firing.map((alert: any) => alert.subject)).toEqual(['a-1', 'a-2']);

    const client = server.wsClient(server.adminToken);
    const changes: any[] = [];
    await new Promise<void>((resolve, reject) => {
      const unsubscribe = client.subscribe(
        {
          query: `subscription($after: SafeInt) { alerts(afterSequence: $after) { ... on AlertChange { sequence change subjectName state } } }`,
          variables: { after: sequence },
        },
        {
          next: (message) => {
            changes.push((message.data as any).alerts);
            if (changes.some((change) => change.change === 'ACKNOWLEDGED')) {
              unsubscribe();
              resolve();
            }
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    expect(changes.slice(0, 3).map((change) => `${change.subjectName}:${change.change}`)).toEqual(['a-1:FIRING', 'a-2:FIRING', 'a-1:ACKNOWLEDGED']);
  });

  it('retries a receiver that is down with back-off, delivers everything once it is up with the same ids, and dead-letters after maxAttempts', async () => {
    const hook = await webhook('flaky', { maxAttempts: 3 });
    receiver.failing = true;
    const test = (await admin(`mutation($id: ID!) { testNotificationChannel(id: $id) { ... on Notification { id } } }`, { id: hook.id }))
      .testNotificationChannel;
    await eventually(() => expect(receiver.attempts).toBe(1));
    const outbox = async () =>
      (await admin(`{ notifications(first: 10) { nodes { id state attempts lastError attemptLog { attempt succeeded outcome } } } }`)).notifications.nodes;
    await eventually(async () => expect((await outbox())[0]).toMatchObject({ id: test.id, state: 'PENDING', attempts: 1, lastError: 'HTTP 503' }));
    // The first retry is due within 5 s, the second within 10 s more.
    await server.tick(5_000);
    await server.app.services.notifications.tick();
    expect(receiver.attempts).toBe(2);
    receiver.failing = false;
    await server.tick(10_000);
    await server.app.services.notifications.tick();
    expect(receiver.received.map((hookCall) => hookCall.id)).toEqual([test.id]);
    expect(receiver.received[0]).toMatchObject({ verified: true, body: { type: 'test' } });
    const [delivered] = await outbox();
    expect(delivered.state).toBe('DELIVERED');
    expect(delivered.attemptLog.map((attempt: any) => [attempt.attempt, attempt.succeeded, attempt.outcome])).toEqual([
      [1, false, 'HTTP 503'],
      [2, false, 'HTTP 503'],
      [3, true, 'HTTP 204'],
    ]);

    // A receiver that never answers: dead-lettered after 3 attempts, and visible as such.
    await receiver.close();
    const dead = (await admin(`mutation($id: ID!) { testNotificationChannel(id: $id) { ... on Notification { id } } }`, { id: hook.id }))
      .testNotificationChannel;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await server.tick(60_000);
      await server.app.services.notifications.tick();
    }
    const deadLetters = (await admin(`{ notifications(first: 10, state: DEAD) { nodes { id attempts lastError } } }`)).notifications.nodes;
    expect(deadLetters).toEqual([{ id: dead.id, attempts: 3, lastError: 'could not connect (ECONNREFUSED)' }]);
  });

  it('gives a receiver that never answers one send slot: notifications to others go out meanwhile', async () => {
    const requests: http.IncomingMessage[] = [];
    const silent = http.createServer((request) => requests.push(request));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const stuck = await webhook('stuck', { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hooks` });
    const hook = await webhook();
    const sendTest = async (id: string) =>
      (await admin(`mutation($id: ID!) { testNotificationChannel(id: $id) { ... on Notification { id } } }`, { id })).testNotificationChannel.id;
    const waiting = await sendTest(stuck.id);
    await eventually(() => expect(requests).toHaveLength(1));
    const answered = await sendTest(hook.id);
    await eventually(() => expect(receiver.received.map((delivery) => delivery.id)).toEqual([answered]));

    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await server.app.services.notifications.tick();
    const states = (await admin(`{ notifications(first: 10) { nodes { id state attempts } } }`)).notifications.nodes;
    expect(states).toEqual(
      expect.arrayContaining([
        { id: answered, state: 'DELIVERED', attempts: 1 },
        { id: waiting, state: 'PENDING', attempts: 1 },
      ]),
    );
  });

  it('sends a notification once though it waited behind slow receivers past its claim’s lease', async () => {
    const ids: string[] = [];
    const held: http.ServerResponse[] = [];
    let answering = false;
    const slow = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        ids.push(JSON.parse(body).id);
        if (answering) response.writeHead(204).end();
        else held.push(response);
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const hook = await webhook('slow', { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hooks` });
    const sent: string[] = [];
    for (let index = 0; index < 100; index += 1)
      sent.push(
        (await admin(`mutation($id: ID!) { testNotificationChannel(id: $id) { ... on Notification { id } } }`, { id: hook.id })).testNotificationChannel.id,
      );
    // A full window of sends hangs, with the rest claimed and queued behind it...
    await eventually(() => expect(held).toHaveLength(50));
    // ...until every claim has run out.
    server.clock.advance(60_000);
    answering = true;
    for (const response of held) response.writeHead(204).end();
    await eventually(async () => {
      await server.app.services.notifications.tick();
      expect((await admin(`{ notifications(first: 100, state: DELIVERED) { nodes { id } } }`)).notifications.nodes).toHaveLength(100);
    });
    expect(ids.toSorted()).toEqual(sent.toSorted());
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });

  it('sends nothing to a link-local address, though a channel stored before this rule names one', async () => {
    const hook = await webhook();
    await server.database.db.execute(
      sql`update notification_channels set settings = jsonb_set(settings, '{url}', '"http://169.254.169.254/latest/meta-data/"') where id = ${hook.id}`,
    );
    await admin(`mutation($id: ID!) { testNotificationChannel(id: $id) { ... on Notification { id } } }`, { id: hook.id });
    await server.app.services.notifications.tick();
    const [attempted] = (await admin(`{ notifications(first: 1) { nodes { state attempts lastError } } }`)).notifications.nodes;
    expect(attempted).toEqual({ state: 'PENDING', attempts: 1, lastError: 'refused: 169.254.169.254 is a link-local, multicast or unspecified address' });
    expect(receiver.received).toEqual([]);
  });

  it('never returns a channel secret, keeps it when an update leaves it out, and refuses bad channels', async () => {
    const hook = await webhook();
    expect(hook).toMatchObject({ secretSet: true, url: receiver.url });
    const listed = JSON.stringify(await admin('{ notificationChannels { id name kind url host secretSet } }'));
    expect(listed).not.toContain(secret.slice(6));
    const slack = (
      await admin(CREATE_CHANNEL, { input: { name: 'slack', kind: 'SLACK', secret: 'https://hooks.slack.example/services/T000/B000/XXXXSECRET' } })
    ).createNotificationChannel;
    expect(JSON.stringify(await admin('{ notificationChannels { url host secretSet } }'))).not.toContain('XXXXSECRET');
    expect(slack.__typename).toBe('NotificationChannel');
    const updated = ok<any>(
      await server.gql(
        `mutation($id: ID!, $input: NotificationChannelInput!) { updateNotificationChannel(id: $id, input: $input) { ... on NotificationChannel { secretSet maxAttempts } ... on Error { code message } } }`,
        { id: hook.id, input: { name: 'ops-hook', kind: 'WEBHOOK', url: receiver.url, maxAttempts: 5 } },
        server.adminToken,
      ),
    ).updateNotificationChannel;
    expect(updated).toEqual({ secretSet: true, maxAttempts: 5 });
    for (const [input, message] of [
      [{ name: 'a', kind: 'WEBHOOK', url: receiver.url }, /needs a signing secret/],
      [{ name: 'a', kind: 'WEBHOOK', url: receiver.url, secret: 'hunter2' }, /Standard Webhooks secret/],
      [{ name: 'a', kind: 'WEBHOOK', url: 'ftp://x', secret }, /http/],
      [{ name: 'a', kind: 'EMAIL', smtpHost: 'mail', from: 'oc@example.com', to: ['not an address'] }, /not an e-mail address/],
      [{ name: 'a', kind: 'EMAIL', smtpHost: 'mail', from: 'oc@example.com', to: [] }, /recipients/],
      [{ name: 'a', kind: 'WEBHOOK', url: receiver.url, secret, maxAttempts: 0 }, /maxAttempts/],
      [{ name: 'a', kind: 'WEBHOOK', url: 'http://169.254.169.254/latest/meta-data/', secret }, /link-local/],
      [{ name: 'a', kind: 'WEBHOOK', url: 'http://2852039166/', secret }, /link-local/],
      [{ name: 'a', kind: 'EVENT_EXPORT', url: 'http://[::ffff:169.254.169.254]/', secret }, /link-local/],
      [{ name: 'a', kind: 'WEBHOOK', url: 'http://[fe80::1]:8080/hooks', secret }, /link-local/],
      [{ name: 'a', kind: 'WEBHOOK', url: 'http://0.0.0.0:4000/hooks', secret }, /unspecified/],
      [{ name: 'a', kind: 'SLACK', secret: 'https://169.254.169.254/services/T0/B0/X' }, /link-local/],
      [{ name: 'a', kind: 'EMAIL', smtpHost: '169.254.169.254', from: 'oc@example.com', to: ['ops@example.com'] }, /link-local/],
      [{ name: 'ops-hook', kind: 'WEBHOOK', url: receiver.url, secret }, /already exists/],
    ] as const) {
      const result = (await admin(CREATE_CHANNEL, { input })).createNotificationChannel;
      expect(result.message, JSON.stringify(input)).toMatch(message);
    }
    expect((await admin('{ notificationChannels { name } }')).notificationChannels.map((channel: any) => channel.name)).toEqual(['ops-hook', 'slack']);
    const audit = await admin(`{ auditLog(first: 50) { nodes { action args } } }`);
    expect(JSON.stringify(audit)).not.toContain(secret.slice(6));
    expect(JSON.stringify(audit)).not.toContain('XXXXSECRET');
  });
});
