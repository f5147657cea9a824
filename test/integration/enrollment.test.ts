import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEAT, createCluster, enrollmentToken, enrollManager, REGISTER, REPORT, statusOf } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('manager enrollment', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const register = async (token: string, cluster: string, name = `${cluster}-mgr`) =>
    ok<any>(await server.gql(REGISTER, { input: { enrollmentToken: token, cluster, manager: { name } } })).registerManager;

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
    expect(again).toMatchObject({ __typename: 'CredentialError', code: 'TOKEN_USED' });
  });

  it('refuses an expired token, a token for another cluster, and a made-up token, changing nothing', async () => {
    await createCluster(server, 'beta');
    await createCluster(server, 'gamma');
    const expiring = await enrollmentToken(server, 'beta', 60);
    server.clock.advance(61_000);
    expect(await register(expiring, 'beta')).toMatchObject({ __typename: 'CredentialError', code: 'TOKEN_EXPIRED' });

    const forGamma = await enrollmentToken(server, 'gamma');
    expect(await register(forGamma, 'beta')).toMatchObject({ __typename: 'CredentialError', code: 'TOKEN_CLUSTER_MISMATCH' });
    // The mismatch did not use the token up.
    expect((await register(forGamma, 'gamma')).__typename).toBe('ManagerRegistration');

    expect(await register('oce_not-a-real-token', 'beta')).toMatchObject({ __typename: 'CredentialError', code: 'TOKEN_INVALID' });
    const beta = ok<any>(await server.gql('{ cluster(name: "beta") { manager { id } health } }', {}, server.adminToken)).cluster;
    expect(beta).toEqual({ manager: null, health: 'PENDING' });
  });

  it('limits an agent credential to its own cluster and to agent mutations', async () => {
    const one = await enrollManager(server, 'one', { workers: ['one-1'] });
    const two = await enrollManager(server, 'two', { workers: ['two-1'] });
    const twoWorker = ok<any>(await server.gql('{ cluster(name: "two") { nodes(first: 10) { nodes { id name } } } }', {}, server.adminToken))
      .cluster.nodes.nodes.find((node: any) => node.name === 'two-1');

    const receipt = ok<any>(
      await server.gql(
        BEAT,
        { input: { sequence: 1, entries: [{ name: 'one-1', state: 'HEALTHY' }, { nodeId: twoWorker.id, state: 'HEALTHY' }, { name: 'two-1', state: 'HEALTHY' }] } },
        one.credential,
      ),
    ).sendHeartbeats;
    expect(receipt.accepted).toBe(1);
    expect(receipt.refused.map((refusal: any) => [refusal.index, refusal.code])).toEqual([
      [1, 'NOT_IN_CLUSTER'],
      [2, 'UNKNOWN_NODE'],
    ]);
    expect((await statusOf(server, 'two'))['two-1']).toBe('UNKNOWN');

    // Membership reports go to the credential's cluster only, whatever the report says.
    await server.gql(REPORT, { input: { joined: [{ name: 'sneaky' }] } }, one.credential);
    expect(Object.keys(await statusOf(server, 'two'))).not.toContain('sneaky');
    expect(Object.keys(await statusOf(server, 'one'))).toContain('sneaky');

    const asAgent = await server.gql('{ clusters(first: 10) { nodes { name } } }', {}, two.credential);
    expect(asAgent.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const people = await server.gql(BEAT, { input: { sequence: 5, entries: [] } }, server.adminToken);
    expect(people.errors?.[0].extensions?.code).toBe('FORBIDDEN');
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
