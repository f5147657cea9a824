import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { eventually } from '../helpers/wait.ts';

/** A real agent keeps its credential alive by itself, and stops for good when an admin revokes it. */
describe('manager agent credentials with real processes', () => {
  let oc: LiveOc;
  let agent: LiveAgent;

  beforeAll(async () => {
    // A credential lives 9 s here: the agent renews it every 6 s; the one it replaces works 3 s longer.
    oc = await LiveOc.start({ OPSCENTER_AGENT_CREDENTIAL_TTL: '9s', OPSCENTER_AGENT_CREDENTIAL_GRACE: '3s' });
    await oc.createCluster('renew');
    agent = await LiveAgent.create(oc, { cluster: 'renew', workers: 1, enrollmentToken: await oc.enrollmentToken('renew') });
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
  });

  const allUp = (statuses: Record<string, { status: string }>) =>
    Object.keys(statuses).length === 2 && Object.values(statuses).every((node) => node.status === 'UP');

  it('renews its credential before it expires, without losing a heartbeat or its command channel', async () => {
    agent.start();
    await oc.eventually(() => oc.statuses('renew'), allUp);
    const enrolled = agent.state().credential;
    // Past the first credential's expiry: two renewals at least.
    const renewals = await eventually(
      async () => {
        const log = await oc.query('{ auditLog(first: 10, filter: { action: "agent.credential.renew" }) { totalCount nodes { result } } }');
        expect(log.auditLog.totalCount).toBeGreaterThanOrEqual(2);
        return log;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(agent.state().credential).not.toBe(enrolled);
    expect(renewals.auditLog.nodes.every((row: { result: string }) => row.result === 'SUCCESS')).toBe(true);
    const history = await oc.query(
      `query($n: String!) { cluster(name: $n) { nodes(first: 10) { nodes { name statusHistory(first: 20) { nodes { to cause } } } } } }`,
      { n: 'renew' },
    );
    const causes = history.cluster.nodes.nodes.flatMap((node: any) => node.statusHistory.nodes.map((change: any) => change.cause));
    expect(causes).not.toContain('MANAGER_UNREACHABLE');
    expect(await oc.statuses('renew')).toSatisfy(allUp);
    expect(agent.process.output()).toMatch(/"msg":"credential renewed"/);
    expect(agent.process.output()).not.toMatch(/command channel lost \(closed 4403/);
  });

  it('stops reporting, as a refused credential, once an admin revokes it; the cluster is then unreachable, not down', async () => {
    await oc.query('mutation { revokeAgentCredentials(cluster: "renew") { __typename } }');
    await agent.process.waitFor(/re-enroll with a new token/);
    const statuses = await oc.eventually(
      () => oc.statuses('renew'),
      (value) => Object.values(value).every((node) => node.status === 'UNKNOWN'),
    );
    expect(Object.values(statuses).map((node) => node.cause)).toEqual(['MANAGER_UNREACHABLE', 'MANAGER_UNREACHABLE']);
  });
});
