import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { BEAT, createCluster, enrollManager, enrollmentToken, REGISTER, REPORT, statusOf } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';

describe('manager enrollment', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const register = async (token: string, cluster: string, name = `${cluster}-mgr`) =>
    ok<any>(await server.gql(REGISTER, { input: { enrollmentToken: token, cluster, manager: { name } } })).registerManager;
  /** The precise reason the last refused registration was audited with. */
  const auditedReason = async () =>
    (await server.database.db.select().from(auditLog).where(eq(auditLog.action, 'agent.register')).orderBy(desc(auditLog.id)).limit(1))[0].errorCode;
  const GENERIC = {
    __typename: 'CredentialError',
    code: 'TOKEN_INVALID',
    message: expect.stringMatching(/unknown, already used, expired, or issued for another cluster/),
  };

  it('exchanges a single-use token for a credential bound to the cluster', async () => {
    await createCluster(server, 'alpha');
    const token = await enrollmentToken(server, 'alpha');
    expect(token).toMatch(/^oce_/);
    const registration = await register(token, 'alpha');
    expect(registration.__typename).toBe('ManagerRegistration');
    expect(registration.credential).toMatch(/^oca_/);
    expect(registration.heartbeatIntervalMs).toBe(5000);
    const cluster = ok<any>(await server.gql('{ cluster(name: "alpha") { health manager { name role } } }', {}, server.adminToken)).cluster;
    expect(cluster.manager).toEqual({ name: 'alpha-mgr', role: 'MANAGER' });

    const again = await register(token, 'alpha', 'alpha-mgr-2');
    expect(again).toMatchObject(GENERIC);
    expect(await auditedReason()).toBe('TOKEN_USED');
  });

  it('refuses an expired token, a token for another cluster, and a made-up token alike, changing nothing, and audits which it was', async () => {
    await createCluster(server, 'beta');
    await createCluster(server, 'gamma');
    const expiring = await enrollmentToken(server, 'beta', 60);
    server.clock.advance(61_000);
    expect(await register(expiring, 'beta')).toMatchObject(GENERIC);
    expect(await auditedReason()).toBe('TOKEN_EXPIRED');

    const forGamma = await enrollmentToken(server, 'gamma');
    expect(await register(forGamma, 'beta')).toMatchObject(GENERIC);
    expect(await auditedReason()).toBe('TOKEN_CLUSTER_MISMATCH');
    // The mismatch did not use the token up.
    expect((await register(forGamma, 'gamma')).__typename).toBe('ManagerRegistration');

    expect(await register('oce_not-a-real-token', 'beta')).toMatchObject(GENERIC);
    expect(await auditedReason()).toBe('TOKEN_INVALID');
    const beta = ok<any>(await server.gql('{ cluster(name: "beta") { manager { id } health } }', {}, server.adminToken)).cluster;
    expect(beta).toEqual({ manager: null, health: 'PENDING' });
  });

  it('limits an agent credential to its own cluster and to agent mutations', async () => {
    const one = await enrollManager(server, 'one', { workers: ['one-1'] });
    const two = await enrollManager(server, 'two', { workers: ['two-1'] });
    const twoWorker = ok<any>(
      await server.gql('{ cluster(name: "two") { nodes(first: 10) { nodes { id name } } } }', {}, server.adminToken),
    ).cluster.nodes.nodes.find((node: any) => node.name === 'two-1');

    const receipt = ok<any>(
      await server.gql(
        BEAT,
        {
          input: {
            sequence: 1,
            entries: [
              { name: 'one-1', state: 'HEALTHY' },
              { nodeId: twoWorker.id, state: 'HEALTHY' },
              { name: 'two-1', state: 'HEALTHY' },
            ],
          },
        },
        one.credential,
      ),
    ).sendHeartbeats;
    expect(receipt.accepted).toBe(1);
    // A node of another cluster is refused exactly as an unknown one; the audit log keeps the difference.
    expect(receipt.refused.map((refusal: any) => [refusal.index, refusal.code])).toEqual([
      [1, 'UNKNOWN_NODE'],
      [2, 'UNKNOWN_NODE'],
    ]);
    expect(receipt.refused[0].message).toBe(`No node ${twoWorker.id} in cluster one; report membership first.`);
    const [foreign] = await server.database.db.select().from(auditLog).where(eq(auditLog.action, 'heartbeats.send')).orderBy(desc(auditLog.id)).limit(1);
    expect(foreign).toMatchObject({ result: 'DENIED', errorCode: 'NOT_IN_CLUSTER', actorType: 'AGENT', args: { foreignNodes: [twoWorker.id], count: 1 } });
    expect((await statusOf(server, 'two'))['two-1']).toBe('UNKNOWN');

    // Membership reports go to the credential's cluster only, whatever the report says.
    await server.gql(REPORT, { input: { joined: [{ name: 'sneaky' }] } }, one.credential);
    expect(Object.keys(await statusOf(server, 'two'))).not.toContain('sneaky');
    expect(Object.keys(await statusOf(server, 'one'))).toContain('sneaky');

    const asAgent = await server.gql('{ clusters(first: 10) { nodes { name } } }', {}, two.credential);
    expect(asAgent.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const people = ok<any>(await server.gql(BEAT, { input: { sequence: 5, entries: [] } }, server.adminToken)).sendHeartbeats;
    expect(people).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets a re-registered manager take over and stops the old credential', async () => {
    const first = await enrollManager(server, 'takeover', { workers: ['t-1'] });
    const token = await enrollmentToken(server, 'takeover');
    const second = await register(token, 'takeover', 'takeover-new-manager');
    expect(second.__typename).toBe('ManagerRegistration');
    const old = await server.gql(BEAT, { input: { sequence: 100, entries: [] } }, first.credential);
    expect(old.status).toBe(401);
    expect(old.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const statuses = await statusOf(server, 'takeover');
    expect(statuses['takeover-manager']).toBe('LEFT');
    expect(statuses['takeover-new-manager']).toBe('UNKNOWN');
    const beat = ok<any>(await server.gql(BEAT, { input: { sequence: 1, entries: [{ name: 'takeover-new-manager', state: 'HEALTHY' }] } }, second.credential));
    expect(beat.sendHeartbeats.accepted).toBe(1);
  });
});

describe('agent credential lifetime', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { agentCredentialTtl: '6h', agentCredentialGrace: '10m' } });
  });
  afterAll(() => server.stop());

  const RENEW = 'mutation { renewAgentCredential { __typename ... on RenewedAgentCredential { credential expiresAt renewAfter } ... on Error { code } } }';
  const beat = (credential: string, sequence: number) =>
    server.gql(
      `mutation($i: HeartbeatBatchInput!) { sendHeartbeats(input: $i) { ... on HeartbeatReceipt { accepted credentialRenewAfter } } }`,
      { i: { sequence, entries: [] } },
      credential,
    );

  it('expires a credential unless the agent renews it, the renewed one working for a grace period', async () => {
    const manager = await enrollManager(server, 'renewing', { workers: ['r-1'] });
    const start = server.clock.now().getTime();
    const first = ok<any>(await beat(manager.credential, 1)).sendHeartbeats;
    expect(new Date(first.credentialRenewAfter).getTime()).toBe(start + 4 * 3_600_000);
    const info = ok<any>(
      await server.gql('{ cluster(name: "renewing") { agentCredential { issuedAt expiresAt renewAfter } } }', {}, server.adminToken),
    ).cluster;
    expect(new Date(info.agentCredential.expiresAt).getTime()).toBe(start + 6 * 3_600_000);

    server.clock.advance(4 * 3_600_000);
    const renewed = ok<any>(await server.gql(RENEW, {}, manager.credential)).renewAgentCredential;
    expect(renewed.__typename).toBe('RenewedAgentCredential');
    expect(new Date(renewed.expiresAt).getTime()).toBe(start + 10 * 3_600_000);
    expect(ok<any>(await beat(renewed.credential, 2)).sendHeartbeats.accepted).toBe(0);
    // The old one still works within the grace period, and not after it.
    expect((await beat(manager.credential, 3)).status).toBe(200);
    server.clock.advance(10 * 60_000 + 1);
    expect((await beat(manager.credential, 4)).status).toBe(401);
    expect((await beat(renewed.credential, 5)).status).toBe(200);
    // Without renewal, the new one runs out too.
    server.clock.advance(6 * 3_600_000);
    expect((await beat(renewed.credential, 6)).status).toBe(401);
    const rows = await server.database.db.select().from(auditLog).where(eq(auditLog.action, 'agent.credential.renew'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: 'SUCCESS', actorType: 'AGENT', targetId: manager.clusterId });
  });

  it('lets an admin revoke a manager’s credentials from the cluster, closing its socket at once', async () => {
    const manager = await enrollManager(server, 'revoked', { workers: ['v-1'] });
    const client = server.wsClient(manager.credential);
    const commands = collect(client, 'subscription { agentCommands { id } }');
    await server.connected(client);
    const operator = ok<any>(
      await server.gql(`mutation { createUser(username: "op", role: OPERATOR, password: "password-of-op") { __typename } }`, {}, server.adminToken),
    );
    expect(operator.createUser.__typename).toBe('CreatedUser');
    const opToken = ok<any>(await server.gql('mutation { login(username: "op", password: "password-of-op") { ... on Session { token } } }')).login.token;
    const refused = ok<any>(
      await server.gql('mutation { revokeAgentCredentials(cluster: "revoked") { __typename ... on ForbiddenError { requiredRole } } }', {}, opToken),
    );
    expect(refused.revokeAgentCredentials).toEqual({ __typename: 'ForbiddenError', requiredRole: 'ADMIN' });
    const revoked = ok<any>(
      await server.gql(
        'mutation { revokeAgentCredentials(cluster: "revoked") { __typename ... on Cluster { name agentCredential { id } } } }',
        {},
        server.adminToken,
      ),
    );
    expect(revoked.revokeAgentCredentials).toEqual({ __typename: 'Cluster', name: 'revoked', agentCredential: null });
    await expect(commands.waitFor(1)).rejects.toThrow();
    expect((await beat(manager.credential, 1)).status).toBe(401);
  });
});
