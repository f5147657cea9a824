import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';

const INTROSPECTION = '{ __schema { queryType { name } } __type(name: "Node") { fields { name } } }';

/** The schema is for people who signed in: anonymous callers and agents learn nothing of it. */
describe('schema disclosure', () => {
  let server: TestServer;
  let manager: ScriptedManager;

  beforeAll(async () => {
    server = await startTestServer();
    manager = await enrollManager(server, 'quiet');
  });
  afterAll(() => server.stop());

  it('answers introspection for a signed-in person only', async () => {
    expect(ok<any>(await server.gql(INTROSPECTION, {}, server.adminToken)).__schema.queryType.name).toBe('Query');
    for (const token of [undefined, manager.credential]) {
      const refused = await server.gql(INTROSPECTION, {}, token);
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.[0].message).toMatch(/introspection/i);
    }
    // The __schema-named fragment trick (GHSA-733v) does not get around it.
    const sneaky = await server.gql('query { ...__schema } fragment __schema on Query { __schema { types { name } } }', {}, manager.credential);
    expect(sneaky.data ?? null).toBeNull();
  });

  it('gives no "did you mean" to agents and anonymous callers, for fields, arguments or enum values', async () => {
    for (const token of [undefined, manager.credential]) {
      for (const query of [
        '{ systemOverveiw { clusterCount } }',
        'query($h: [ClusterHealth!]) { clusters(first: 1, filter: { health: $h }) { totalCount } }',
        '{ clusters(first: 1, filter: { health: [HEALTH] }) { totalCount } }',
        'mutation { sendHeartbeats(input: { sequence: 1, entries: [{ name: "x", state: HEALTHYY }] }) { __typename } }',
      ]) {
        const result = await server.gql(query, { h: ['HEALTHYY'] }, token);
        expect(result.errors?.length, query).toBeGreaterThan(0);
        expect(JSON.stringify(result), query).not.toMatch(/Did you mean|HEALTHY"|systemOverview/);
      }
    }
    const person = await server.gql(
      'query($h: [ClusterHealth!]) { clusters(first: 1, filter: { health: $h }) { totalCount } }',
      { h: ['HEALTHYY'] },
      server.adminToken,
    );
    expect(JSON.stringify(person)).toMatch(/Did you mean/);
  });

  it('refuses introspection over WebSocket to an agent too', async () => {
    const refused = collect(server.wsClient(manager.credential), INTROSPECTION);
    await expect(refused.waitFor(1)).rejects.toThrow(/introspection/i);
  });
});
