import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, ok } from '../helpers/gql.ts';
import { alive, LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { consistently } from '../helpers/wait.ts';

/** The manager agent as a real process, supervising real worker processes, against a real OC process. */
describe('manager agent with real processes', () => {
  let oc: LiveOc;
  let agent: LiveAgent;

  beforeAll(async () => {
    // A warm-up that covers an agent's reconnect after the OC restarts, as the 30 s default does.
    oc = await LiveOc.start({ OPSCENTER_WARMUP: '5s' });
    await oc.createCluster('app');
    agent = await LiveAgent.create(oc, { cluster: 'app', workers: 3, enrollmentToken: await oc.enrollmentToken('app') });
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
  });

  const allUp = (statuses: Record<string, { status: string }>) =>
    Object.keys(statuses).length === 4 && Object.values(statuses).every((node) => node.status === 'UP');

  it('enrolls, keeps its credential in an owner-only state file, and reports its workers UP', async () => {
    agent.start();
    await agent.process.waitFor(/"msg":"enrolled"/);
    expect(fs.statSync(agent.stateFile).mode & 0o777).toBe(0o600);
    expect(agent.state().credential).toMatch(/^oca_/);
    const statuses = await oc.eventually(() => oc.statuses('app'), allUp);
    expect(Object.keys(statuses).sort()).toEqual(['app-1', 'app-2', 'app-3', 'app-manager']);
    const node = await oc.query(`query($id: ID!) { node(id: $id) { address version consoleUrl stats { cpuPercent memoryBytes uptimeSeconds } } }`, {
      id: statuses['app-1'].id,
    });
    expect(node.node.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(node.node.version).toBe('1.0.0');
    // Each worker's own console, from the agent's configuration.
    expect(node.node.consoleUrl).toBe(`http://${node.node.address}/console`);
    await oc.eventually(
      () => oc.query(`query($id: ID!) { node(id: $id) { stats { memoryBytes uptimeSeconds } } }`, { id: statuses['app-1'].id }),
      (value) => value.node.stats?.memoryBytes > 1_000_000,
    );
  });

  it('reports a killed worker DOWN with the cause, while the others stay UP', async () => {
    process.kill(agent.pid('app-2'), 'SIGKILL');
    const statuses = await oc.eventually(
      () => oc.statuses('app'),
      (value) => value['app-2'].status === 'DOWN',
    );
    expect(statuses['app-2'].cause).toBe('REPORTED_FAILURE');
    expect(statuses['app-1'].status).toBe('UP');
    expect(statuses['app-manager'].status).toBe('UP');
  });

  it('leaves its workers running when killed; the cluster goes UNREACHABLE and its nodes UNKNOWN', async () => {
    const pids = ['app-1', 'app-3'].map((name) => agent.pid(name));
    await agent.stop('SIGKILL');
    const statuses = await oc.eventually(
      () => oc.statuses('app'),
      (value) => Object.values(value).every((node) => node.status === 'UNKNOWN'),
    );
    expect(Object.values(statuses).every((node) => node.cause === 'MANAGER_UNREACHABLE')).toBe(true);
    expect((await oc.query('{ cluster(name: "app") { health } }')).cluster.health).toBe('UNREACHABLE');
    expect(pids.every(alive)).toBe(true);
  });

  it('adopts its running workers when restarted, reusing its credential, without duplicate nodes', async () => {
    const pids = { 'app-1': agent.pid('app-1'), 'app-3': agent.pid('app-3') };
    const credential = agent.state().credential;
    agent.start();
    await agent.process.waitFor(/agent running/);
    expect(agent.process.output()).not.toMatch(/"msg":"enrolled"/);
    expect(agent.process.output()).toMatch(/adopted running worker/);
    expect(agent.state().credential).toBe(credential);
    expect(agent.pid('app-1')).toBe(pids['app-1']);
    expect(agent.pid('app-3')).toBe(pids['app-3']);
    // app-2 was dead, so the agent started it again.
    const statuses = await oc.eventually(() => oc.statuses('app'), allUp);
    expect(Object.keys(statuses)).toHaveLength(4);
    const registrations = await oc.query('{ auditLog(first: 10, filter: { action: "agent.register" }) { totalCount } }');
    expect(registrations.auditLog.totalCount).toBe(1);
  });

  it('rides out an OC restart: everything back UP, no duplicates, no false DOWN', async () => {
    const since = new Date().toISOString();
    await oc.stop('SIGTERM');
    // The outage itself, longer than the manager lease (FAST_LIVENESS): not a wait for anything.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await oc.restart();
    await oc.eventually(() => oc.statuses('app'), allUp);
    // Through several liveness windows, still all UP and still four nodes.
    await consistently(
      async () => {
        const statuses = await oc.statuses('app');
        expect(allUp(statuses), JSON.stringify(statuses)).toBe(true);
      },
      { forMs: 3000, intervalMs: 250 },
    );
    const statuses = await oc.statuses('app');
    const history = await Promise.all(
      Object.values(statuses).map((node) => oc.query(`query($id: ID!) { node(id: $id) { statusHistory(first: 50) { nodes { to at } } } }`, { id: node.id })),
    );
    const downs = history.flatMap((entry) => entry.node.statusHistory.nodes).filter((change: any) => change.at > since && change.to === 'DOWN');
    expect(downs).toEqual([]);
  });

  it('carries on after the OC applied a newer sequence than its own (say, its host clock went back)', async () => {
    const ahead = ok<any>(
      await gql(
        oc.url,
        `mutation($i: HeartbeatBatchInput!) { sendHeartbeats(input: $i) { ... on HeartbeatReceipt { stale } } }`,
        {
          i: { sequence: Date.now() * 10, entries: [{ name: 'app-manager', state: 'HEALTHY' }] },
        },
        agent.state().credential,
      ),
    );
    expect(ahead.sendHeartbeats.stale).toBe(false);
    await agent.process.waitFor(/continuing after the last sequence the OC applied/);
    // Its batches count again: a worker it reports dead goes DOWN rather than UNKNOWN.
    process.kill(agent.pid('app-3'), 'SIGKILL');
    const statuses = await oc.eventually(
      () => oc.statuses('app'),
      (value) => value['app-3'].status === 'DOWN',
    );
    expect(statuses['app-manager'].status).toBe('UP');
  });

  it('refuses an enrollment token of another cluster, and its credential for another cluster’s nodes', async () => {
    await oc.createCluster('other');
    const wrong = await LiveAgent.create(oc, { cluster: 'app', workers: 0, enrollmentToken: await oc.enrollmentToken('other') });
    try {
      const run = wrong.start();
      expect((await run.exited).code).toBe(1);
      // The agent, like anyone guessing, hears only that the token did not work; the audit log says why.
      expect(run.output()).toMatch(/opscenter: Enrollment refused \(TOKEN_INVALID\): The enrollment token is not valid/);
      const audited = await oc.query('{ auditLog(first: 1, filter: { action: "agent.register" }) { nodes { errorCode } } }');
      expect(audited.auditLog.nodes[0].errorCode).toBe('TOKEN_CLUSTER_MISMATCH');
    } finally {
      wrong.dispose();
    }
    const otherAgent = await LiveAgent.create(oc, { cluster: 'other', workers: 1, enrollmentToken: await oc.enrollmentToken('other') });
    try {
      otherAgent.start();
      await oc.eventually(
        () => oc.statuses('other'),
        (value) => value['other-1']?.status === 'UP',
      );
      const appNode = (await oc.statuses('app'))['app-1'].id;
      const credential = otherAgent.state().credential as string;
      const beat = ok<any>(
        await gql(
          oc.url,
          `mutation($i: HeartbeatBatchInput!) { sendHeartbeats(input: $i) { ... on HeartbeatReceipt { accepted refused { code } } } }`,
          {
            i: { sequence: Date.now() * 10, entries: [{ nodeId: appNode, state: 'STOPPED' }] },
          },
          credential,
        ),
      );
      expect(beat.sendHeartbeats).toEqual({ accepted: 0, refused: [{ code: 'UNKNOWN_NODE' }] });
      expect((await oc.statuses('app'))['app-1'].status).toBe('UP');
    } finally {
      otherAgent.dispose();
    }
  });
});
