import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

/** Limits over WebSocket refuse one operation or one socket, never the others. */
describe('WebSocket limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxSubscriptionsPerSocket: '3', maxSocketsPerUser: '2', maxBodyBytes: '65536' } });
  });
  afterAll(() => server.stop());

  it('refuses an operation that breaks a limit with an error for that operation only, the socket going on', async () => {
    const client = server.wsClient(server.adminToken);
    const live = collect(client, 'subscription { topologyEvents { __typename } }');
    const deep = collect(
      client,
      '{ clusters(first: 1) { nodes { manager { cluster { manager { cluster { manager { cluster { manager { cluster { manager { cluster { name } } } } } } } } } } } } }',
    );
    await expect(deep.waitFor(1)).rejects.toThrow(/depth/i);
    const aliases = Array.from({ length: 50 }, (_, index) => `a${index}: viewer { name }`).join(' ');
    const aliased = collect(client, `{ ${aliases} }`);
    await expect(aliased.waitFor(1)).rejects.toThrow(/alias/i);
    const unparsable = collect(client, '{ viewer { name ');
    await expect(unparsable.waitFor(1)).rejects.toThrow(/Syntax Error/);
    const fine = collect(client, '{ viewer { name } }');
    expect(await fine.waitFor(1)).toEqual([{ viewer: { name: 'admin' } }]);
    expect(live.completed).toBe(false);
    expect(live.errors).toEqual([]);
    live.dispose();
  });

  it('caps the operations one socket may hold, with a typed error', async () => {
    const client = server.wsClient(server.adminToken);
    const held = [1, 2, 3].map(() => collect(client, 'subscription { topologyEvents { __typename } }'));
    const fourth = collect(client, 'subscription { topologyEvents { __typename } }');
    await expect(fourth.waitFor(1)).rejects.toThrow(/TOO_MANY_SUBSCRIPTIONS/);
    for (const subscription of held) expect(subscription.errors).toEqual([]);
    held[0].dispose();
    // The server frees the slot once it has seen the complete message.
    await eventually(async () => {
      const again = collect(client, '{ viewer { name } }');
      expect(await again.waitFor(1)).toEqual([{ viewer: { name: 'admin' } }]);
    });
    for (const subscription of held) subscription.dispose();
  });

  it('caps the sockets one user may hold open, saying why', async () => {
    const token = ok<any>(await server.gql('mutation { login(username: "admin", password: "admin-password-for-tests") { ... on Session { token } } }')).login
      .token;
    const open = async () => {
      const closed = { code: 0, reason: '' };
      const client = createClient({
        url: `${server.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {},
        on: {
          closed: (event) => {
            closed.code = (event as CloseEvent).code;
            closed.reason = (event as CloseEvent).reason;
          },
        },
      });
      const connected = await new Promise<boolean>((resolve) => {
        client.on('connected', () => resolve(true));
        client.on('closed', () => resolve(false));
      });
      return { client, connected, closed };
    };
    // The shared test client of the first tests already holds sockets for admin; close them first.
    await server.restart();
    const first = await open();
    const second = await open();
    const third = await open();
    expect([first.connected, second.connected, third.connected]).toEqual([true, true, false]);
    expect(third.closed).toMatchObject({ code: 4008, reason: expect.stringMatching(/TOO_MANY_SOCKETS: at most 2/) });
    await first.client.dispose();
    // The server counts the socket out once it has seen it close; until then a new one is refused.
    const fourth = await eventually(async () => {
      const attempt = await open();
      if (!attempt.connected) throw new Error(`refused: ${attempt.closed.reason}`);
      return attempt;
    });
    expect(fourth.connected).toBe(true);
    await second.client.dispose();
    await fourth.client.dispose();
  });

  it('holds a chunked request body to the same size limit as one with a length', async () => {
    const padding = 'x'.repeat(80_000);
    const chunked = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: new ReadableStream({
        start(controller) {
          const body = new TextEncoder().encode(JSON.stringify({ query: '{ viewer { name } }', variables: { padding } }));
          for (let offset = 0; offset < body.length; offset += 8192) controller.enqueue(body.slice(offset, offset + 8192));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const small = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify({ query: '{ viewer { name } }' })));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(((await small.json()) as any).data.viewer.name).toBe('admin');
  });
});
