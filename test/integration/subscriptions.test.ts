import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventSequence } from '../../api/src/modules/events/events.table.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, subscribed, type TestServer } from '../helpers/server.ts';

const STATUS = `subscription($filter: NodeStatusEventFilter, $after: SafeInt) {
  nodeStatusChanged(filter: $filter, afterSequence: $after) {
    __typename
    ... on NodeStatusChange { sequence nodeName clusterName from to cause tags }
    ... on ResyncRequired { sequence reason }
  }
}`;

const TOPOLOGY = `subscription($filter: TopologyEventFilter, $after: SafeInt) {
  topologyEvents(filter: $filter, afterSequence: $after) {
    __typename
    ... on TopologyChange { sequence kind clusterName nodeName tags }
    ... on ResyncRequired { sequence reason }
  }
}`;

/** The newest event sequence: subscribing after it misses nothing, however long the subscribe takes. */
async function head(server: TestServer): Promise<number> {
  const [counter] = await server.database.db.select().from(eventSequence);
  return counter?.last ?? 0;
}

describe('subscriptions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { eventRetention: 1000 } });
    await server.tick(30_000);
  });
  afterAll(() => server.stop());

  it('pushes status transitions with their cause, filtered by cluster, tag and status', async () => {
    const client = server.wsClient(server.adminToken);
    const manager = await enrollManager(server, 's-web', { workers: ['w-1', 'w-2'], tags: ['Datacenter 1'] });
    await enrollManager(server, 's-other');
    const after = await head(server);
    const all = collect(client, STATUS, { after });
    const onlyDown = collect(client, STATUS, { filter: { statuses: ['DOWN'] }, after });
    const onlyDc2 = collect(client, STATUS, { filter: { tags: ['datacenter 2'] }, after });
    const onlyOther = collect(client, STATUS, { filter: { clusters: ['s-other'] }, after });
    await manager.beat([{ name: 'w-1' }, { name: 'w-2' }]);
    const ups = await all.waitFor(3);
    expect(ups.map((event) => event.nodeStatusChanged).map(({ nodeName, from, to, cause }) => [nodeName, from, to, cause])).toEqual([
      ['s-web-manager', 'UNKNOWN', 'UP', 'FIRST_HEARTBEAT'],
      ['w-1', 'UNKNOWN', 'UP', 'FIRST_HEARTBEAT'],
      ['w-2', 'UNKNOWN', 'UP', 'FIRST_HEARTBEAT'],
    ]);
    expect(ups[1].nodeStatusChanged.tags).toEqual(['cluster:s-web', 'product:application-server', 'role:worker', 'datacenter 1']);
    await manager.beat([{ name: 'w-1' }, { name: 'w-2', state: 'STOPPED' }]);
    await server.tick(15_000);
    await manager.beat([{ name: 'w-1' }, { name: 'w-2', state: 'STOPPED' }]);
    const down = (await onlyDown.waitFor(1))[0].nodeStatusChanged;
    expect(down).toMatchObject({ nodeName: 'w-2', from: 'SUSPECT', to: 'DOWN', cause: 'REPORTED_FAILURE' });
    expect((await all.waitFor(5)).map((event) => event.nodeStatusChanged.to)).toEqual(['UP', 'UP', 'UP', 'SUSPECT', 'DOWN']);
    expect(onlyDc2.received).toEqual([]);
    expect(onlyOther.received).toEqual([]);
    // Sequences only grow.
    const sequences = all.received.map((event) => event.nodeStatusChanged.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  });

  it('pushes topology changes: clusters, joins, leaves and tags', async () => {
    const client = server.wsClient(server.adminToken);
    const after = await head(server);
    const topology = collect(client, TOPOLOGY, { filter: { clusters: [] }, after });
    const tagged = collect(client, TOPOLOGY, { filter: { tags: ['rack-9'] }, after });
    const manager = await enrollManager(server, 't-app', { workers: ['t-1'] });
    await manager.report([]);
    const node = ok<any>(await server.gql('{ cluster(name: "t-app") { id } }', {}, server.adminToken)).cluster;
    await server.gql(`mutation($id: ID!) { addTags(input: { clusterIds: [$id], tags: ["rack-9"] }) { __typename } }`, { id: node.id }, server.adminToken);
    const kinds = (await topology.waitFor(6)).map((event) => [event.topologyEvents.kind, event.topologyEvents.nodeName ?? null]);
    expect(kinds).toEqual([
      ['CLUSTER_REGISTERED', null],
      ['NODE_JOINED', 't-app-manager'],
      ['CLUSTER_UPDATED', null],
      ['NODE_JOINED', 't-1'],
      ['NODE_LEFT', 't-1'],
      ['TAGS_CHANGED', null],
    ]);
    expect((await tagged.waitFor(1))[0].topologyEvents).toMatchObject({ kind: 'TAGS_CHANGED', clusterName: 't-app' });
  });

  it('replays what a reconnecting subscriber missed, by sequence', async () => {
    const manager = await enrollManager(server, 'r-app', { workers: ['r-1', 'r-2'] });
    const first = server.wsClient(server.adminToken);
    const live = collect(first, STATUS, { filter: { clusters: ['r-app'] }, after: await head(server) });
    await manager.beat([{ name: 'r-1' }, { name: 'r-2' }]);
    const seen = await live.waitFor(3);
    const lastSequence = seen.at(-1).nodeStatusChanged.sequence;
    live.dispose();
    await first.dispose();

    // While disconnected: r-2 fails and r-1 is lost.
    await manager.beat([{ name: 'r-1' }, { name: 'r-2', state: 'UNHEALTHY' }]);
    await server.tick(15_000);
    await manager.beat([{ name: 'r-2', state: 'UNHEALTHY' }]);

    const second = server.wsClient(server.adminToken);
    const resumed = collect(second, STATUS, { filter: { clusters: ['r-app'] }, after: lastSequence });
    const missed = await resumed.waitFor(3);
    expect(missed.map((event) => [event.nodeStatusChanged.nodeName, event.nodeStatusChanged.to])).toEqual([
      ['r-2', 'SUSPECT'],
      ['r-1', 'SUSPECT'],
      ['r-2', 'DOWN'],
    ]);
    expect(missed.every((event) => event.nodeStatusChanged.sequence > lastSequence)).toBe(true);
    // And then live events continue on the same subscription.
    await manager.beat([{ name: 'r-1' }, { name: 'r-2' }]);
    expect((await resumed.waitFor(5)).slice(3).map((event) => event.nodeStatusChanged.to)).toEqual(['UP', 'UP']);
  });

  it('delivers over server-sent events as well', async () => {
    const manager = await enrollManager(server, 'sse-app', { workers: ['sse-1'] });
    const after = await head(server);
    const controller = new AbortController();
    const response = await subscribed(server, () =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${server.adminToken}` },
        body: JSON.stringify({ query: STATUS, variables: { filter: { clusters: ['sse-app'] }, after } }),
        signal: controller.signal,
      }),
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await manager.beat([{ name: 'sse-1' }]);
    let text = '';
    while (!(text.match(/"to":"UP"/g)?.length === 2)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toContain('"nodeName":"sse-1"');
  });

  it('refuses subscriptions without a person’s credentials, over both transports', async () => {
    const manager = await enrollManager(server, 'auth-app');
    const agentClient = server.wsClient(manager.credential);
    const asAgent = collect(agentClient, STATUS);
    await expect(asAgent.waitFor(1)).rejects.toThrow(/FORBIDDEN/);

    const closeCode = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ocs_forged' } })));
      socket.on('close', (code) => resolve(code));
    });
    expect(closeCode).toBe(4403);
    const anonymous = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('close', (code) => resolve(code));
    });
    expect(anonymous).toBe(4403);
    const foreign = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
      socket.on('error', () => resolve(403));
      socket.on('close', (code) => resolve(code));
    });
    expect(foreign).toBe(403);

    const sse = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: STATUS }),
    });
    expect(await sse.text()).toContain('UNAUTHENTICATED');
  });

  it('closes the socket of a session that logs out', async () => {
    const login = ok<any>(await server.gql(`mutation { login(username: "admin", password: "admin-password-for-tests") { ... on Session { token } } }`)).login;
    const closed = new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${login.token}` } })));
      socket.on('message', async (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') await server.gql('mutation { logout { __typename } }', {}, login.token);
      });
      socket.on('close', (code) => resolve(code));
    });
    expect(await closed).toBe(4403);
  });

  it('tags a cluster’s reachability changes with its user tags, so a filter on them sees both', async () => {
    const client = server.wsClient(server.adminToken);
    const manager = await enrollManager(server, 'u-app', { workers: ['u-1'], tags: ['Zone 7'] });
    await manager.beat([{ name: 'u-1' }]);
    const zone = collect(client, TOPOLOGY, { filter: { tags: ['zone 7'] }, after: await head(server) });
    await server.tick(20_000);
    await manager.beat([{ name: 'u-1' }]);
    const events = (await zone.waitFor(2)).map((event) => event.topologyEvents);
    expect(events.map(({ kind, clusterName }) => [kind, clusterName])).toEqual([
      ['CLUSTER_UNREACHABLE', 'u-app'],
      ['CLUSTER_REACHABLE', 'u-app'],
    ]);
    expect(events[0].tags).toEqual(['cluster:u-app', 'product:application-server', 'zone 7']);
  });
});

describe('subscription retention', () => {
  it('asks a subscriber to resync when what it missed is no longer retained', async () => {
    const server = await startTestServer({ config: { eventRetention: 2 } });
    try {
      const manager = await enrollManager(server, 'busy', { workers: ['b-1', 'b-2'] });
      await manager.beat([{ name: 'b-1' }, { name: 'b-2' }]);
      await server.app.services.events.prune();
      const last = await head(server);
      const client = server.wsClient(server.adminToken);
      const [resync] = await collect(client, STATUS, { after: 1 }).waitFor(1);
      expect(resync.nodeStatusChanged).toMatchObject({ __typename: 'ResyncRequired', sequence: last });
      const [ahead] = await collect(client, STATUS, { after: last + 50 }).waitFor(1);
      expect(ahead.nodeStatusChanged.__typename).toBe('ResyncRequired');
      // Within the retained window, a resume replays instead.
      const [replayed] = await collect(client, STATUS, { after: last - 1 }).waitFor(1);
      expect(replayed.nodeStatusChanged).toMatchObject({ __typename: 'NodeStatusChange', sequence: last });
    } finally {
      await server.stop();
    }
  });
});

describe('event sequences', () => {
  it('go past 2^31: sequence is a SafeInt, like afterSequence', async () => {
    const server = await startTestServer();
    try {
      const beyondInt = 2 ** 31 + 10;
      await server.database.db
        .insert(eventSequence)
        .values({ id: 1, last: beyondInt })
        .onConflictDoUpdate({ target: eventSequence.id, set: { last: beyondInt } });
      // The OC reads the counter when it starts.
      await server.restart();
      const client = server.wsClient(server.adminToken);
      const topology = collect(client, TOPOLOGY, { after: beyondInt });
      await enrollManager(server, 'big');
      expect((await topology.waitFor(1))[0].topologyEvents).toMatchObject({ kind: 'CLUSTER_REGISTERED', sequence: beyondInt + 1 });
      const [ahead] = await collect(client, STATUS, { after: beyondInt + 1000 }).waitFor(1);
      expect(ahead.nodeStatusChanged).toMatchObject({ __typename: 'ResyncRequired' });
      expect(ahead.nodeStatusChanged.sequence).toBeGreaterThan(beyondInt);
    } finally {
      await server.stop();
    }
  });
});
