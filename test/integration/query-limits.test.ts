import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { gql, ok } from '../helpers/gql.ts';
import { rawConnect } from '../helpers/raw-socket.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';
import { consistently, eventually } from '../helpers/wait.ts';

/** The query a viewer once stalled the OC with for 8.5 minutes, with the page size in a variable. */
const FAN_OUT = `query($n: Int!) {
  nodes(first: $n) { nodes { cluster { nodes(first: $n) { nodes { cluster { nodes(first: $n) { nodes { cluster { nodes(first: $n) { nodes { name } } } } } } } } } } }
}`;

async function createViewer(server: TestServer, name: string): Promise<string> {
  ok(await server.gql(`mutation { createUser(username: "${name}", role: VIEWER, password: "password-of-${name}") { __typename } }`, {}, server.adminToken));
  return ok<any>(await server.gql(`mutation { login(username: "${name}", password: "password-of-${name}") { ... on Session { token } } }`)).login.token;
}

/** Resolves once the OC has sent the database a statement reading `table`, among those logged from `since` on. */
async function queried(statements: string[], since: number, table: string): Promise<void> {
  await eventually(() => expect(statements.slice(since).some((text) => text.includes(`from "${table}"`))).toBe(true));
}

describe('query cost, size and time limits', () => {
  let server: TestServer;
  let viewer: string;
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      config: { queryDeadline: '10s', maxQueryCost: '50000' },
      database: await createTestDatabase((text) => statements.push(text)),
    });
    await enrollManager(server, 'wide', { workers: Array.from({ length: 40 }, (_, index) => `wide-${index + 1}`) });
    viewer = await createViewer(server, 'viewer');
  });
  afterAll(() => server.stop());

  it('refuses the fan-out query when its page size comes in a variable, before running it, while a small query is answered', async () => {
    const [costly, small] = await Promise.all([server.gql(FAN_OUT, { n: 30 }, viewer), server.gql('{ systemOverview { clusterCount } }', {}, viewer)]);
    expect(costly.data ?? null).toBeNull();
    expect(costly.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', maxCost: 50_000 });
    expect(costly.errors?.[0].extensions?.cost).toBeGreaterThan(800_000);
    expect(costly.errors?.[0].message).toMatch(/ask for smaller pages/);
    expect(ok<any>(small).systemOverview.clusterCount).toBe(1);
    const literal = await server.gql(FAN_OUT.replace('query($n: Int!)', 'query').replaceAll('$n', '30'), {}, viewer);
    expect(literal.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
  });

  it('counts fragments, including one named __schema (GHSA-733v), and answers queries within the limit', async () => {
    const bypass = await server.gql(
      `query($n: Int!) { ...__schema } fragment __schema on Query { nodes(first: $n) { nodes { cluster { nodes(first: $n) { nodes { cluster { nodes(first: $n) { nodes { name } } } } } } } } }`,
      { n: 100 },
      viewer,
    );
    expect(bypass.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
    const page = ok<any>(
      await server.gql('query($n: Int!) { clusters(first: $n) { nodes { name nodes(first: $n) { nodes { name status } } } } }', { n: 100 }, viewer),
    );
    expect(page.clusters.nodes[0].nodes.nodes).toHaveLength(41);
  });

  it('applies the same limit over WebSocket, failing only that operation', async () => {
    const client = server.wsClient(viewer);
    const refused = collect(client, FAN_OUT, { n: 30 });
    await expect(refused.waitFor(1)).rejects.toThrow(/QUERY_TOO_COSTLY/);
    const fine = collect(client, '{ viewer { name } }');
    expect(await fine.waitFor(1)).toEqual([{ viewer: { name: 'viewer' } }]);
  });

  it('stops a query at its deadline, on the OC clock, while its data is still out of reach', async () => {
    ok(await server.gql('{ viewer { name } }', {}, viewer));
    let release = () => {};
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = server.database.db.transaction(async (tx) => {
      await tx.execute(sql`lock table nodes in access exclusive mode`);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await lockTaken;
    const since = statements.length;
    const slow = server.gql('{ nodes(first: 5) { nodes { name } } }', {}, viewer);
    // Once the query is waiting on the lock (the node list reads the node_directory view over nodes), let the OC's clock pass its deadline.
    await queried(statements, since, 'node_directory');
    server.clock.advance(10_001);
    const result = await slow;
    expect(result.errors?.[0].extensions?.code).toBe('DEADLINE_EXCEEDED');
    expect(result.errors?.[0].message).toMatch(/longer than 10 s/);
    release();
    await holder;
  });
});

describe('resolved-object cap', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxResolvedObjects: '30' } });
    await enrollManager(server, 'capped', { workers: Array.from({ length: 40 }, (_, index) => `capped-${index + 1}`) });
  });
  afterAll(() => server.stop());

  it('stops a request that resolves more list items than the cap, whatever its estimate said', async () => {
    const small = ok<any>(await server.gql('{ nodes(first: 20) { nodes { name } } }', {}, server.adminToken));
    expect(small.nodes.nodes).toHaveLength(20);
    const large = await server.gql('{ nodes(first: 41) { nodes { name } } }', {}, server.adminToken);
    expect(large.errors?.[0].extensions?.code).toBe('RESULT_TOO_LARGE');
    expect(large.errors?.[0].message).toMatch(/more than 30 list items/);
    expect(JSON.stringify(await gql(server.url, '{ nodes(first: 41) { nodes { name } } }', {}, server.adminToken))).not.toMatch(/select|stack/i);
  });
});

describe('a query whose client went away', () => {
  let server: TestServer;
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database: await createTestDatabase((text) => statements.push(text)) });
    const manager = await enrollManager(server, 'abandoned', { workers: ['a-1', 'a-2'] });
    await manager.beat([{ name: 'a-1' }, { name: 'a-2' }]);
  });
  afterAll(() => server.stop());

  it('is stopped: nothing below the field it was waiting on runs once its data arrives', async () => {
    ok(await server.gql('{ viewer { name } }', {}, server.adminToken));
    let release = () => {};
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = server.database.db.transaction(async (tx) => {
      await tx.execute(sql`lock table clusters in access exclusive mode`);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await lockTaken;
    const since = statements.length;
    // A client that sends its query and hangs up before the answer.
    const client = await rawConnect(Number(new URL(server.url).port));
    const body = JSON.stringify({ query: '{ cluster(name: "abandoned") { nodes(first: 5) { nodes { statusHistory(first: 5) { nodes { id } } } } } }' });
    client.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${server.adminToken}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await queried(statements, since, 'clusters');
    client.socket.destroy();
    await client.closed;
    const before = statements.length;
    release();
    await holder;
    await consistently(() => expect(statements.slice(before).filter((text) => /node_status_history/.test(text))).toEqual([]), { forMs: 500 });
    // The same query from a client that waits is answered in full.
    const answered = ok<any>(
      await server.gql('{ cluster(name: "abandoned") { nodes(first: 5) { nodes { statusHistory(first: 5) { nodes { id } } } } } }', {}, server.adminToken),
    );
    expect(answered.cluster.nodes.nodes).toHaveLength(3);
    expect(statements.slice(before).filter((text) => /node_status_history/.test(text)).length).toBeGreaterThan(0);
  });
});
