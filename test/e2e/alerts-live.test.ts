import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { consistently } from '../helpers/wait.ts';
import { signingSecret, startWebhookReceiver } from '../helpers/webhook-receiver.ts';

/** Alerts, notifications and self-healing against a real OC, a real manager agent and real worker processes. */
describe('alerts with real processes', () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    const secret = signingSecret();
    receiver = await startWebhookReceiver(secret);
    oc = await LiveOc.start({
      OPSCENTER_ALERT_EVALUATION_INTERVAL: '300ms',
      OPSCENTER_REMEDIATION_INTERVAL: '300ms',
      OPSCENTER_NOTIFICATION_TICK: '200ms',
      OPSCENTER_NOTIFICATION_BACKOFF: '200ms',
      OPSCENTER_NOTIFICATION_BACKOFF_MAX: '1s',
    });
    await oc.createCluster('app');
    agent = await LiveAgent.create(oc, { cluster: 'app', workers: 3, enrollmentToken: await oc.enrollmentToken('app') });
    agent.start();
    await allUp();
    const channel = await oc.query(
      `mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { ... on NotificationChannel { id } ... on Error { message } } }`,
      { input: { name: 'ops-hook', kind: 'WEBHOOK', url: receiver.url, secret } },
    );
    expect(channel.createNotificationChannel.id).toBeTruthy();
    for (const input of [
      { name: 'worker-lost', condition: { nodeStatus: { statuses: ['DOWN', 'UNKNOWN'] } }, groupInterval: '10s' },
      { name: 'cluster-unreachable', severity: 'CRITICAL', condition: { clusterHealth: { healths: ['UNREACHABLE'] } }, groupInterval: '10s' },
    ]) {
      const rule = await oc.query(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { ... on AlertRule { id } ... on Error { message } } }`, {
        input: { target: { all: true }, channels: ['ops-hook'], ...input },
      });
      expect(rule.createAlertRule.id, JSON.stringify(rule)).toBeTruthy();
    }
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
    await receiver?.close();
  });

  function allUp() {
    return oc.eventually(
      () => oc.statuses('app'),
      (statuses) => Object.keys(statuses).length === 4 && Object.values(statuses).every((node) => node.status === 'UP'),
      30_000,
    );
  }
  const titles = (from: number) => receiver.received.slice(from).map((hook) => hook.body.title);

  it('tells of a killed worker once, restarts it through a self-healing policy as the policy, and tells of its recovery', async () => {
    const policy = await oc.query(
      `mutation { createRemediationPolicy(input: { name: "restart-failed", target: { clusters: ["app"] }, causes: [REPORTED_FAILURE], for: "1s" }) { ... on RemediationPolicy { id } } }`,
    );
    expect(policy.createRemediationPolicy.id).toBeTruthy();
    const before = receiver.received.length;
    const killed = agent.pid('app-2');
    process.kill(killed, 'SIGKILL');
    await oc.eventually(
      async () => titles(before),
      (seen) => seen.includes('[FIRING:1] worker-lost in app (WARNING)'),
    );
    const operation = await oc.eventually(
      () => oc.query(`{ operations(first: 5) { nodes { id kind state requestedBy } } }`),
      (result) => result.operations.nodes.some((op: any) => op.requestedBy === 'policy:restart-failed' && op.state === 'SUCCEEDED'),
      60_000,
    );
    expect(operation.operations.nodes[0]).toMatchObject({ kind: 'RESTART', requestedBy: 'policy:restart-failed' });
    await allUp();
    expect(alive(agent.pid('app-2'))).toBe(true);
    expect(agent.pid('app-2')).not.toBe(killed);
    await oc.eventually(
      async () => titles(before),
      (seen) => seen.includes('[RESOLVED] worker-lost in app (WARNING)'),
      20_000,
    );
    expect(titles(before).filter((title) => title.startsWith('[FIRING'))).toEqual(['[FIRING:1] worker-lost in app (WARNING)']);
    expect(receiver.received.every((hook) => hook.verified)).toBe(true);
    await oc.query(`mutation($id: ID!) { setRemediationPolicyEnabled(id: $id, enabled: false) { __typename } }`, { id: policy.createRemediationPolicy.id });
  });

  it('sends one notification for a cluster whose manager stops, not one per worker', async () => {
    const before = receiver.received.length;
    await agent.stop('SIGKILL');
    await oc.eventually(
      async () => titles(before),
      (seen) => seen.length > 0,
      20_000,
    );
    // Its workers are UNKNOWN, and their alerts are held back behind the cluster's.
    await consistently(() => expect(titles(before)).toEqual(['[FIRING:1] cluster-unreachable in app (CRITICAL)']), { forMs: 3_000, intervalMs: 200 });
    const inhibited = await oc.query(`{ alerts(first: 10, suppressed: true) { nodes { subjectName inhibitedBy } } }`);
    expect(inhibited.alerts.nodes.map((alert: any) => alert.subjectName).sort()).toEqual(['app-1', 'app-2', 'app-3', 'app-manager']);
    agent.start();
    await allUp();
  });

  it('loses no notification when the OC is SIGKILLed with some in its outbox; a redelivery keeps its id', async () => {
    receiver.failing = true;
    const channel = (await oc.query(`{ notificationChannels { id name } }`)).notificationChannels.find((found: any) => found.name === 'ops-hook');
    const queued: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const test = await oc.query(`mutation($id: ID!) { testNotificationChannel(id: $id) { ... on Notification { id } } }`, { id: channel.id });
      queued.push(test.testNotificationChannel.id);
    }
    await oc.eventually(
      () => oc.query(`{ notifications(first: 20, state: PENDING) { nodes { id attempts } } }`),
      (result) => queued.every((id) => result.notifications.nodes.some((node: any) => node.id === id && node.attempts > 0)),
    );
    await oc.stop('SIGKILL');
    receiver.failing = false;
    const before = receiver.received.length;
    await oc.restart();
    await oc.eventually(
      async () => receiver.received.slice(before).map((hook) => hook.id),
      (ids) => queued.every((id) => ids.includes(id)),
      // Any being sent when the OC died are due again once their claim (twice the send timeout, 20 s) has lapsed.
      45_000,
    );
    const delivered = receiver.received.slice(before).filter((hook) => queued.includes(hook.id));
    expect(delivered.every((hook) => hook.verified && hook.body.type === 'test')).toBe(true);
    const outbox = await oc.query(`{ notifications(first: 50) { nodes { id state } } }`);
    expect(outbox.notifications.nodes.filter((node: any) => queued.includes(node.id)).map((node: any) => node.state)).toEqual(Array(5).fill('DELIVERED'));
  });
});
