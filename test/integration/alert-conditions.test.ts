import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uploadContent } from '../helpers/content.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { reportInventory } from '../helpers/inventory.ts';
import { ScriptedAgent } from '../helpers/scripted-agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';
import { signingSecret, startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const INTERVAL = 5_000;
const MINUTE = 60_000;

const CREATE_RULE = `mutation($input: AlertRuleInput!) {
  createAlertRule(input: $input) { __typename ... on AlertRule { id name } ... on Error { code message } }
}`;
const CREATE_CHANNEL = `mutation($input: NotificationChannelInput!) {
  createNotificationChannel(input: $input) { __typename ... on NotificationChannel { id name } ... on Error { code message } }
}`;

// Each condition taken through PENDING → FIRING → RESOLVED on the OC's clock; then the other channels and self-healing.
describe('alert conditions, channels and self-healing', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({ config: { operationsTick: '1h', scheduleTick: '1h', eventRetention: '20' } });
    await server.tick(30_000);
  });
  afterEach(() => server.stop());

  const admin = async (query: string, variables: Record<string, unknown> = {}) => ok<any>(await server.gql(query, variables, server.adminToken));
  const rule = async (input: Record<string, unknown>) => {
    const created = (await admin(CREATE_RULE, { input: { target: { all: true }, ...input } })).createAlertRule;
    expect(created.__typename, JSON.stringify(created)).toBe('AlertRule');
    return created;
  };
  const states = async (ruleName: string) => {
    const result = await admin(
      `query($rule: String!) { alerts(first: 100, rule: $rule, states: [PENDING, FIRING, RESOLVED]) { nodes { subjectName state summary value } } }`,
      {
        rule: ruleName,
      },
    );
    return Object.fromEntries(result.alerts.nodes.map((alert: any) => [alert.subjectName, alert.state]));
  };
  const evaluate = () => server.app.services.alertEvaluator.evaluate();
  /** Every minute for `minutes`: each worker beats every interval with its CPU, then the sweep writes the minute. */
  const minutes = async (manager: ScriptedManager, cpu: (name: string, minute: number) => number, workers: string[], count: number) => {
    for (let minute = 0; minute < count; minute += 1) {
      for (let beat = 0; beat < MINUTE / INTERVAL; beat += 1) {
        await manager.beat(workers.map((name) => ({ name, stats: { cpuPercent: cpu(name, minute), diskPercent: 40 } })));
        await server.tick(INTERVAL);
      }
    }
  };

  it('fires on a cluster health held for its duration and resolves when the cluster recovers', async () => {
    const manager = await enrollManager(server, 'shop', { workers: ['s-1', 's-2'] });
    await rule({ name: 'shop-critical', condition: { clusterHealth: { healths: ['CRITICAL'] } }, for: '30s' });
    await rule({ name: 'shop-unreachable', condition: { clusterHealth: { healths: ['UNREACHABLE'] } } });
    // A manager that registered but has not reported yet is starting up, not unreachable.
    await server.tick(20_000);
    await evaluate();
    expect(await states('shop-unreachable')).toEqual({});
    await manager.beat([{ name: 's-1', state: 'STOPPED' }, { name: 's-2' }]);
    for (let elapsed = 0; elapsed < 20_000; elapsed += INTERVAL) {
      await server.tick(INTERVAL);
      await manager.beat([{ name: 's-1', state: 'STOPPED' }, { name: 's-2' }]);
    }
    await evaluate();
    expect(await states('shop-critical')).toEqual({ shop: 'PENDING' });
    for (let elapsed = 0; elapsed < 30_000; elapsed += INTERVAL) {
      await server.tick(INTERVAL);
      await manager.beat([{ name: 's-1', state: 'STOPPED' }, { name: 's-2' }]);
    }
    await evaluate();
    expect(await states('shop-critical')).toEqual({ shop: 'FIRING' });
    await manager.beat([{ name: 's-1' }, { name: 's-2' }]);
    await evaluate();
    expect(await states('shop-critical')).toEqual({ shop: 'RESOLVED' });
  });

  it('fires on a statistic averaged over its window, and on an anomaly against a node’s own behaviour', async () => {
    const manager = await enrollManager(server, 'calc', { workers: ['c-1', 'c-2'] });
    await rule({ name: 'cpu-hot', condition: { statistic: { metric: 'CPU', above: 90, window: '3m' } }, for: '1m' });
    await rule({ name: 'cpu-odd', condition: { anomaly: { metric: 'CPU', sensitivity: 4, window: '30m' } } });
    // Twenty calm minutes: c-1 wobbles around 20 %, c-2 around 50 %.
    await minutes(manager, (name, minute) => (name === 'c-1' ? 20 : 50) + (minute % 3), ['c-1', 'c-2'], 20);
    await evaluate();
    expect(await states('cpu-hot')).toEqual({});
    expect(await states('cpu-odd')).toEqual({});
    // c-1 jumps to 97 %: far outside its own range at once, and above 90 on average once the window is mostly hot.
    await minutes(manager, (name, minute) => (name === 'c-1' ? 97 : 50 + (minute % 3)), ['c-1', 'c-2'], 1);
    await evaluate();
    expect(await states('cpu-odd')).toEqual({ 'c-1': 'FIRING' });
    await minutes(manager, (name, minute) => (name === 'c-1' ? 97 : 50 + (minute % 3)), ['c-1', 'c-2'], 3);
    await evaluate();
    expect(await states('cpu-hot')).toEqual({ 'c-1': 'PENDING' });
    await minutes(manager, (name, minute) => (name === 'c-1' ? 97 : 50 + (minute % 3)), ['c-1', 'c-2'], 1);
    await evaluate();
    expect(await states('cpu-hot')).toEqual({ 'c-1': 'FIRING' });
    const [hot] = (await admin(`{ alerts(first: 5, rule: "cpu-hot") { nodes { summary value } } }`)).alerts.nodes;
    expect(hot.value).toBe(97);
    expect(hot.summary).toBe('c-1: CPU averaged 97% over 3 min, above 90%');
    await minutes(manager, () => 30, ['c-1', 'c-2'], 4);
    await evaluate();
    expect(await states('cpu-hot')).toEqual({ 'c-1': 'RESOLVED' });
  });

  it('holds back the alert of a node an operation takes down on purpose, naming the operation', async () => {
    const manager = await enrollManager(server, 'busy', { workers: ['u-1'] });
    await rule({ name: 'busy-cpu', condition: { statistic: { metric: 'CPU', above: 90, window: '5m' } } });
    await minutes(manager, () => 95, ['u-1'], 2);
    await evaluate();
    expect(await states('busy-cpu')).toEqual({ 'u-1': 'FIRING' });
    const agent = new ScriptedAgent(server, manager, ['u-1']);
    const node = (await admin(`{ nodes(first: 5, target: { clusters: ["busy"] }) { nodes { id name } } }`)).nodes.nodes.find((n: any) => n.name === 'u-1');
    const restart = (
      await admin(`mutation($id: ID!) { createOperation(input: { kind: RESTART, target: { nodes: [$id] } }) { ... on Operation { id } } }`, { id: node.id })
    ).createOperation;
    await server.app.services.engine.tick();
    await agent.received(1);
    await evaluate();
    const [alert] = (await admin(`{ alerts(first: 5, rule: "busy-cpu") { nodes { state inhibitedBy } } }`)).alerts.nodes;
    expect(alert).toEqual({ state: 'FIRING', inhibitedBy: `planned maintenance: operation ${restart.id} holds u-1` });
    expect((await admin('{ alertCounts { firing inhibited } }')).alertCounts).toEqual({ firing: 0, inhibited: 1 });
    await agent.dispose();
  });

  it('fires on drift from baselines held for its duration, and on availability below an objective', async () => {
    const manager = await enrollManager(server, 'fleet', { workers: ['f-1', 'f-2'] });
    const fix = (await uploadContent(server, { kind: 'PATCH', name: 'fix.jar', version: '2' }, 'fix two', server.adminToken)).body.item.id;
    ok(
      await server.gql(
        'mutation($i: BaselineInput!) { createBaseline(name: "fleet", input: $i) { __typename } }',
        { i: { target: { all: true }, itemIds: [fix], message: 'fix two everywhere' } },
        server.adminToken,
      ),
    );
    const patch = (content: string) => ({ kind: 'PATCH', name: 'fix.jar', sha256: createHash('sha256').update(content).digest('hex'), size: content.length });
    const running = (content: string) => ({ installed: [patch(content)], loaded: [{ kind: 'PATCH', name: 'fix.jar', sha256: patch(content).sha256 }] });
    await reportInventory(server, manager, [
      { name: 'f-1', ...running('fix two') },
      { name: 'f-2', ...running('fix one') },
    ]);
    await rule({ name: 'drifted', condition: { drift: {} }, for: '10m' });
    await evaluate();
    expect(await states('drifted')).toEqual({ 'f-2': 'PENDING' });
    server.clock.advance(10 * MINUTE);
    await evaluate();
    expect(await states('drifted')).toEqual({ 'f-2': 'FIRING' });
    await reportInventory(server, manager, [{ name: 'f-2', ...running('fix two') }]);
    await evaluate();
    expect(await states('drifted')).toEqual({ 'f-2': 'RESOLVED' });

    // Up 10 minutes, then f-1 fails for about 3: below 99 % over the hour, not below 90 %.
    const beat = async (failing: string[], ms: number) => {
      for (let elapsed = 0; elapsed < ms; elapsed += INTERVAL) {
        await manager.beat(['f-1', 'f-2'].map((name) => ({ name, state: failing.includes(name) ? 'STOPPED' : 'HEALTHY' })));
        await server.tick(INTERVAL);
      }
    };
    await beat([], 10 * MINUTE);
    await beat(['f-1'], 3 * MINUTE);
    await beat([], MINUTE);
    const created = await rule({ name: 'slo', condition: { availability: { objective: 99, window: '1h' } }, for: '1m' });
    await evaluate();
    expect(await states('slo')).toEqual({ 'f-1': 'PENDING' });
    await beat([], MINUTE);
    await evaluate();
    expect(await states('slo')).toEqual({ 'f-1': 'FIRING' });
    const [slo] = (await admin(`{ alerts(first: 5, rule: "slo") { nodes { value summary } } }`)).alerts.nodes;
    expect(slo.value).toBeGreaterThan(70);
    expect(slo.value).toBeLessThan(99);
    expect(slo.summary).toMatch(/^f-1 was available [\d.]+% over 1 h, below the objective of 99%$/);
    // A looser objective: the condition no longer holds.
    ok(
      await server.gql(
        `mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { __typename } }`,
        { id: created.id, input: { name: 'slo', target: { all: true }, condition: { availability: { objective: 70, window: '1h' } }, for: '1m' } },
        server.adminToken,
      ),
    );
    await evaluate();
    expect(await states('slo')).toEqual({ 'f-1': 'RESOLVED' });
  });

  it('fires on an operation that failed and on a missed schedule run, each resolving once its window has passed', async () => {
    await enrollManager(server, 'batch', { workers: ['b-1'] });
    await rule({ name: 'op-failed', condition: { operationFailed: { window: '10m' } }, target: { clusters: ['batch'] } });
    await rule({ name: 'run-missed', condition: { scheduleMissed: { window: '10m' } } });
    const schedule = await admin(
      `mutation { createSchedule(input: { name: "hourly", cron: "0 * * * *", timezone: "UTC", startingDeadline: "1m", operation: { kind: ROLLING_RESTART, target: { clusters: ["batch"] } } }) { ... on Schedule { id } } }`,
    );
    expect(schedule.createSchedule.id).toBeTruthy();
    // The OC "was down" across the hour: the run is decided MISSED when the scheduler next looks.
    server.clock.advance(61 * MINUTE);
    await server.app.services.scheduler.tick();
    const created = await admin(
      `mutation { createOperation(input: { kind: ROLLING_RESTART, target: { clusters: ["batch"] }, description: "nightly restart" }) { ... on Operation { id } } }`,
    );
    ok(await server.gql(`mutation($id: ID!) { cancelOperation(id: $id) { __typename } }`, { id: created.createOperation.id }, server.adminToken));
    await eventually(async () =>
      expect((await admin(`query($id: ID!) { operation(id: $id) { state } }`, { id: created.createOperation.id })).operation.state).toBe('CANCELLED'),
    );
    // No agent carries it out here: once cancelled, the test marks it failed, as a failed run would end.
    await server.database.db.execute(
      sql`update operations set state = 'FAILED', finished_at = ${server.clock.now().toISOString()}::timestamptz where id = ${created.createOperation.id}::uuid`,
    );
    await evaluate();
    expect(await states('op-failed')).toEqual({ 'nightly restart': 'FIRING' });
    expect(await states('run-missed')).toEqual({ hourly: 'FIRING' });
    server.clock.advance(11 * MINUTE);
    await evaluate();
    expect(await states('op-failed')).toEqual({ 'nightly restart': 'RESOLVED' });
    expect(await states('run-missed')).toEqual({ hourly: 'RESOLVED' });
  });

  it('sends e-mail over SMTP and copies every event to an event-export channel, signed', async () => {
    const mails: { to: string[]; body: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (chunk) => {
          body += chunk;
        });
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((recipient) => recipient.address), body });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const secret = signingSecret();
    const receiver = await startWebhookReceiver(secret);
    try {
      const port = (smtp.server.address() as { port: number }).port;
      const mail = (
        await admin(CREATE_CHANNEL, {
          input: { name: 'oncall-mail', kind: 'EMAIL', smtpHost: '127.0.0.1', smtpPort: port, from: 'oc@example.com', to: ['oncall@example.com'] },
        })
      ).createNotificationChannel;
      ok(await server.gql(CREATE_CHANNEL, { input: { name: 'lake', kind: 'EVENT_EXPORT', url: receiver.url, secret } }, server.adminToken));
      const manager = await enrollManager(server, 'mailer', { workers: ['m-1'] });
      await rule({ name: 'mail-down', condition: { nodeStatus: { statuses: ['SUSPECT'] } }, channels: ['oncall-mail'] });
      await manager.beat([{ name: 'm-1', state: 'STOPPED' }]);
      await evaluate();
      await server.app.services.notifications.tick();
      await eventually(() => expect(mails).toHaveLength(1));
      expect(mails[0].to).toEqual(['oncall@example.com']);
      expect(mails[0].body).toContain('Subject: [FIRING:1] mail-down in mailer (WARNING)');
      expect(mails[0].body).toMatch(/X-OpsCenter-Notification-Id: [0-9a-f-]{36}/i);
      const outbox = (await admin(`query($id: ID!) { notifications(first: 5, channel: $id) { nodes { state attemptLog { outcome } } } }`, { id: mail.id }))
        .notifications.nodes;
      expect(outbox[0].state).toBe('DELIVERED');
      expect(outbox[0].attemptLog[0].outcome).toMatch(/^250/);
      // The event export saw the whole story: the node joining and failing, and the alert firing.
      await server.app.services.notifications.tick();
      await eventually(() => expect(receiver.received.length).toBeGreaterThan(0));
      const events = receiver.received.flatMap((hook) => hook.body.data.events);
      expect(receiver.received.every((hook) => hook.verified && hook.body.type === 'events')).toBe(true);
      const types = events.map((event: any) => event.type);
      expect(types).toContain('NODE_STATUS_CHANGED');
      expect(types).toContain('ALERT_CHANGED');
      const sequences = events.map((event: any) => event.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(sequences.length);
    } finally {
      await receiver.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('tells an event export that fell behind the event retention which events it lost, then goes on from the oldest kept', async () => {
    const secret = signingSecret();
    const receiver = await startWebhookReceiver(secret);
    try {
      const lake = (await admin(CREATE_CHANNEL, { input: { name: 'lake', kind: 'EVENT_EXPORT', url: receiver.url, secret, enabled: false } }))
        .createNotificationChannel;
      const cursor = (await server.app.services.events.delivery()).committed;
      // More events than the export reads in a batch, then pruned down to the retention (20 here), while the export is off.
      await enrollManager(server, 'busy', { workers: Array.from({ length: 600 }, (_, index) => `b-${index}`) });
      await server.app.services.events.prune();
      ok(
        await server.gql(
          `mutation($id: ID!, $input: NotificationChannelInput!) { updateNotificationChannel(id: $id, input: $input) { ... on Error { message } } }`,
          { id: lake.id, input: { name: 'lake', kind: 'EVENT_EXPORT', url: receiver.url, enabled: true } },
          server.adminToken,
        ),
      );
      await server.app.services.notifications.tick();
      await eventually(() => expect(receiver.received).toHaveLength(1));
      const head = (await server.app.services.events.delivery()).committed;
      const [batch] = receiver.received;
      expect(batch.verified).toBe(true);
      expect(batch.body.data.gap).toEqual({ after: cursor, firstAvailable: head - 19, missing: head - 20 - cursor });
      expect(batch.body.title).toBe(`Events ${head - 19} to ${head}; ${head - 20 - cursor} before them were lost`);
      expect(batch.body.data.events.map((event: any) => event.sequence)).toEqual(Array.from({ length: 20 }, (_, index) => head - 19 + index));
    } finally {
      await receiver.close();
    }
  });

  it('restarts a node DOWN for a reported failure through the engine as the policy, links it from the alert, and stops on a flapping node', async () => {
    const manager = await enrollManager(server, 'heal', { workers: ['h-1', 'h-2'] });
    const agent = new ScriptedAgent(server, manager, ['h-1', 'h-2']);
    await rule({ name: 'heal-down', condition: { nodeStatus: { statuses: ['DOWN'] } } });
    await rule({ name: 'heal-gave-up', severity: 'CRITICAL', condition: { remediationStopped: {} } });
    const policy = (
      await admin(
        `mutation { createRemediationPolicy(input: { name: "restart-failed", target: { clusters: ["heal"] }, causes: [REPORTED_FAILURE], for: "2m", flapWindow: "10m" }) { __typename ... on RemediationPolicy { id } ... on Error { code message } } }`,
      )
    ).createRemediationPolicy;
    expect(policy.__typename).toBe('RemediationPolicy');
    const refused = (
      await admin(`mutation { createRemediationPolicy(input: { name: "x", target: { all: true }, statuses: [UNKNOWN] }) { ... on Error { code message } } }`)
    ).createRemediationPolicy;
    expect(refused.message).toMatch(/UNKNOWN is never healed/);
    const beatFor = async (ms: number) => {
      for (let elapsed = 0; elapsed < ms; elapsed += INTERVAL) {
        await agent.beat();
        await server.tick(INTERVAL);
      }
      await agent.beat();
    };
    const operations = async () => (await admin(`{ operations(first: 5) { nodes { id kind requestedBy description state } } }`)).operations.nodes;

    agent.states.set('h-1', 'STOPPED');
    await beatFor(30_000);
    await evaluate();
    await server.app.services.remediation.run();
    expect(await operations()).toEqual([]);
    await beatFor(2 * MINUTE);
    await server.app.services.remediation.run();
    await server.app.services.remediation.run();
    const [restart] = await operations();
    expect(await operations()).toHaveLength(1);
    expect(restart).toMatchObject({ kind: 'RESTART', requestedBy: 'policy:restart-failed' });
    expect(restart.description).toMatch(/^self-healing: policy restart-failed restarts h-1 \(reported failure for \d+ s\)$/);
    const [alert] = (await admin(`{ alerts(first: 5, rule: "heal-down") { nodes { remediationOperationId history { kind actor } } } }`)).alerts.nodes;
    expect(alert.remediationOperationId).toBe(restart.id);
    expect(alert.history.at(-1)).toEqual({ kind: 'REMEDIATED', actor: 'policy:restart-failed' });
    // The restart and the policy's record of it are one change, with one audit row naming the operation.
    const audit = (await admin(`{ auditLog(first: 20) { nodes { action actorName targetType targetId args } } }`)).auditLog.nodes;
    expect(audit.filter((entry: any) => entry.actorName === 'policy:restart-failed')).toEqual([
      {
        action: 'remediation.restart',
        actorName: 'policy:restart-failed',
        targetType: 'operation',
        targetId: restart.id,
        args: expect.objectContaining({ node: 'h-1' }),
      },
    ]);

    // The manager carries out the restart and h-1 comes back healthy; then it fails again within the flap window.
    await server.app.services.engine.tick();
    const [command] = await agent.received(1);
    await agent.restart(command);
    for (let step = 0; step < 12; step += 1) await agent.after(INTERVAL);
    expect((await operations())[0].state).toBe('SUCCEEDED');
    agent.states.set('h-1', 'STOPPED');
    await beatFor(2 * MINUTE + 30_000);
    await server.app.services.remediation.run();
    expect(await operations()).toHaveLength(1);
    const held = (await admin(`{ remediationPolicies { holds { nodeName reason } actions { outcome } } }`)).remediationPolicies[0];
    expect(held.holds).toEqual([
      { nodeName: 'h-1', reason: expect.stringMatching(/^flapping: h-1 was down again \d+ s after its restart ended \(SUCCEEDED\)$/) },
    ]);
    expect(held.actions.map((action: any) => action.outcome)).toEqual(['STOPPED', 'RESTARTED']);
    await evaluate();
    expect(await states('heal-gave-up')).toEqual({ 'h-1': 'FIRING' });
    ok(await server.gql(`mutation($id: ID!) { releaseRemediationHold(id: $id) { __typename } }`, { id: policy.id }, server.adminToken));
    await evaluate();
    expect(await states('heal-gave-up')).toEqual({ 'h-1': 'RESOLVED' });
    await agent.dispose();
  });
});
