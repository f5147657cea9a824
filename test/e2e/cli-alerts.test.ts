import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEAT, REGISTER, REPORT } from '../helpers/fleet.ts';
import { call } from '../helpers/gql.ts';
import { LiveOc } from '../helpers/live-fleet.ts';
import { runOpscenter } from '../helpers/process.ts';

interface Delivery {
  headers: Record<string, string>;
  body: string;
}

/**
 * `opscenter channel`, `rule` and `alert` as a script runs them: real CLI processes against a real
 * OC whose cluster is driven through the agent API. Each CLI start costs a second or two, so the
 * file keeps to a dozen of them.
 */
describe('opscenter channel, rule and alert', () => {
  let oc: LiveOc;
  let apiToken: string;
  let dir: string;
  let receiver: http.Server;
  let endpoint: string;
  const deliveries: Delivery[] = [];
  let secret = '';
  let alertId = '';

  async function opscenter(args: string[]) {
    const run = runOpscenter(args, { OPSCENTER_URL: oc.url, OPSCENTER_TOKEN: apiToken });
    const { code } = await run.exited;
    return { code, output: run.output() };
  }

  const openAlerts = async () =>
    (await oc.query(`{ alerts(first: 10) { nodes { id state subjectName silenceId acknowledgedBy } } }`)).alerts.nodes as {
      id: string;
      state: string;
      subjectName: string;
      silenceId: string | null;
      acknowledgedBy: string | null;
    }[];

  beforeAll(async () => {
    receiver = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        deliveries.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    // Evaluation and delivery every few hundred ms; a long lease, so the cluster stays reachable between the test's batches.
    oc = await LiveOc.start({
      OPSCENTER_ALERT_EVALUATION_INTERVAL: '300ms',
      OPSCENTER_NOTIFICATION_TICK: '200ms',
      OPSCENTER_MANAGER_LEASE: '60s',
    });
    const created = await oc.query(`mutation { createApiToken(name: "cli-alerts") { ... on CreatedApiToken { token } ... on Error { message } } }`);
    apiToken = created.createApiToken.token;
    await oc.createCluster('shop');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-cli-alerts-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await oc?.dispose();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('creates a webhook channel with a secret made and printed once, and rules from flags and from a file; refuses a bad rule', async () => {
    const channel = await opscenter(['channel', 'create', 'hooks', '--kind', 'webhook', '--endpoint', endpoint]);
    expect(channel.code, channel.output).toBe(0);
    expect(channel.output).toMatch(new RegExp(`created WEBHOOK channel hooks \\(\\S+\\) to ${endpoint}`));
    secret = /^signing secret: (whsec_\S+)$/m.exec(channel.output)?.[1] ?? '';
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(channel.output).toMatch(/shown only this once/);

    fs.writeFileSync(
      path.join(dir, 'rule.yaml'),
      'name: shop-unreachable\ntarget: { clusters: [shop] }\ncondition: { clusterHealth: { healths: [UNREACHABLE] } }\nseverity: CRITICAL\n',
    );
    const [flagged, filed] = await Promise.all([
      opscenter([
        'rule',
        'create',
        'shop-failing',
        '--cluster',
        'shop',
        '--node-status',
        'SUSPECT,DOWN',
        '--cause',
        'REPORTED_FAILURE',
        '--severity',
        'critical',
        '--label',
        'team=shop',
        '--group-interval',
        '10s',
        '--channel',
        'hooks',
      ]),
      opscenter(['rule', 'create', '--file', path.join(dir, 'rule.yaml')]),
    ]);
    expect(flagged.code, flagged.output).toBe(0);
    expect(flagged.output).toMatch(/^created rule shop-failing \(\S+\): node SUSPECT\|DOWN \(reported_failure\)$/m);
    expect(filed.code, filed.output).toBe(0);
    expect(filed.output).toMatch(/^created rule shop-unreachable \(\S+\): cluster UNREACHABLE$/m);

    const [listed, bad, usage] = await Promise.all([
      opscenter(['rule', 'list']),
      opscenter(['rule', 'create', 'too-hot', '--all', '--statistic', 'cpu', '--above', '150']),
      opscenter(['rule', 'create', 'no-condition', '--all']),
    ]);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toMatch(/^shop-failing\s+yes\s+CRITICAL\s+0s\s+1 cluster\s+node SUSPECT\|DOWN \(reported_failure\)$/m);
    expect(listed.output).toMatch(/^shop-unreachable\s+yes\s+CRITICAL\s+0s\s+1 cluster\s+cluster UNREACHABLE$/m);
    expect([bad.code, bad.output.trim()]).toEqual([4, 'opscenter: above must be a percentage between 0 and 100 for CPU.']);
    expect(usage.code).toBe(3);
    expect(usage.output).toMatch(/^opscenter: give a condition: --node-status/m);
  });

  it('lists the alert a failing worker raises, acknowledges and silences it, and shows its timeline', async () => {
    const registration = (
      await call(oc.url, REGISTER, {
        input: { enrollmentToken: await oc.enrollmentToken('shop'), cluster: 'shop', manager: { name: 'shop-manager', address: '127.0.0.1' } },
      })
    ).registerManager;
    await call(oc.url, REPORT, { input: { snapshot: ['shop-1', 'shop-2'].map((name) => ({ name, address: `${name}:8080` })) } }, registration.credential);
    let sequence = 0;
    const beat = (failing: string[]) =>
      call(
        oc.url,
        BEAT,
        {
          input: {
            sequence: ++sequence,
            entries: ['shop-manager', 'shop-1', 'shop-2'].map((name) => ({ name, state: failing.includes(name) ? 'UNHEALTHY' : 'HEALTHY' })),
          },
        },
        registration.credential,
      );
    await beat([]);
    await oc.eventually(
      () => oc.statuses('shop'),
      (statuses) => statuses['shop-2']?.status === 'UP',
    );
    await beat(['shop-2']);
    const alerts = await oc.eventually(openAlerts, (found) => found.some((alert) => alert.subjectName === 'shop-2' && alert.state === 'FIRING'));
    alertId = alerts.find((alert) => alert.subjectName === 'shop-2')?.id ?? '';
    // The grouped notification reaches the receiver, signed with the secret the CLI made.
    await oc.eventually(
      async () => deliveries.length,
      (count) => count > 0,
    );
    const verifier = new Webhook(secret);
    expect(JSON.parse(deliveries[0].body)).toMatchObject({ type: 'alert.firing', title: '[FIRING:1] shop-failing in shop (CRITICAL)' });
    expect(() => verifier.verify(deliveries[0].body, deliveries[0].headers)).not.toThrow();

    const listed = await opscenter(['alert', 'list', '--state', 'firing']);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toMatch(/^ID\s+SEVERITY\s+STATE\s+RULE\s+SUBJECT\s+CLUSTER\s+SINCE\s+NOTE$/m);
    expect(listed.output).toMatch(new RegExp(`^${alertId}\\s+CRITICAL\\s+FIRING\\s+shop-failing\\s+shop-2\\s+shop\\s+\\S+Z$`, 'm'));

    const [acked, silenced] = await Promise.all([
      opscenter(['alert', 'ack', alertId, '--comment', 'replacing its disk']),
      opscenter([
        'alert',
        'silence',
        '--match',
        'alertname=shop-failing',
        '--match',
        'node=~shop-[0-9]+',
        '--duration',
        '2h',
        '--comment',
        'disk swap on shop-2',
      ]),
    ]);
    expect(acked.code, acked.output).toBe(0);
    expect(acked.output.trim()).toBe(`acknowledged alert ${alertId} (shop-failing on shop-2) as admin/cli-alerts`);
    expect(silenced.code, silenced.output).toBe(0);
    expect(silenced.output).toMatch(/^silence \S+: alertname=shop-failing node=~shop-\[0-9\]\+ until \S+Z$/m);
    await oc.eventually(openAlerts, (alerts) => alerts.some((alert) => alert.id === alertId && alert.silenceId !== null));

    const [suppressed, shown] = await Promise.all([opscenter(['alert', 'list', '--suppressed']), opscenter(['alert', 'show', alertId])]);
    expect(suppressed.code, suppressed.output).toBe(0);
    expect(suppressed.output).toMatch(
      new RegExp(`^${alertId}\\s+CRITICAL\\s+FIRING\\s+shop-failing\\s+shop-2\\s+shop\\s+\\S+\\s+silenced, acked by admin/cli-alerts$`, 'm'),
    );
    expect(shown.code, shown.output).toBe(0);
    expect(shown.output).toMatch(/^ {2}summary\s+shop-2 is SUSPECT \(reported failure\)$/m);
    expect(shown.output).toMatch(/^ {2}acknowledged\s+by admin\/cli-alerts at \S+: replacing its disk$/m);
    const timeline = [...shown.output.matchAll(/^ {2}\S+Z\s+([A-Z]+)\s/gm)].map((match) => match[1]);
    expect(timeline).toEqual(expect.arrayContaining(['FIRING', 'NOTIFIED', 'ACKNOWLEDGED', 'SILENCED']));
    expect(timeline.indexOf('FIRING')).toBeLessThan(timeline.indexOf('SILENCED'));
  });
});
