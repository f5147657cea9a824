import { Client, type CombinedError, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createSocketClient, type Client as SocketClient } from 'graphql-ws';
import { backoffDelay, sleep } from '$lib/utils/backoff';
import type { ConnectionStatus } from './connection.svelte';
import { isUnauthenticated } from './errors';

const GRAPHQL_PATH = '/graphql';
/** The OC closes a socket whose credentials are missing, invalid or revoked with this code. */
const CLOSE_FORBIDDEN = 4403;
const CLOSE_PONG_TIMEOUT = 4408;
const PING_INTERVAL_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

export interface ClientHooks {
  /** The OC refused the token: the session is over. */
  onUnauthenticated(): void;
  connection?: ConnectionStatus;
}

export interface ApiClient {
  client: Client;
  socket: SocketClient;
  dispose(): void;
}

function socketUrl(): string {
  const url = new URL(GRAPHQL_PATH, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function isCloseEvent(value: unknown): value is CloseEvent {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/** Queries and mutations over HTTP; with a socket, subscriptions over graphql-ws too. */
export function createHttpClient(token: string | null, hooks?: ClientHooks, socket?: SocketClient): Client {
  const connection = hooks?.connection;
  const exchanges = [
    mapExchange({
      onError(error: CombinedError, operation) {
        if (isUnauthenticated(error)) hooks?.onUnauthenticated();
        else if (operation.kind !== 'subscription' && error.networkError) connection?.httpFailed();
      },
      onResult(result) {
        if (result.operation.kind !== 'subscription' && !result.error?.networkError) connection?.httpSucceeded();
      },
    }),
    cacheExchange,
    fetchExchange,
  ];
  if (socket) {
    exchanges.push(
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    );
  }
  return new Client({
    url: GRAPHQL_PATH,
    exchanges,
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => (token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
}

/**
 * The graphql-ws connection for one session. It stays open (not lazy) and reconnects with
 * backoff for as long as the session lasts; a ping that gets no pong closes it, so that a
 * silently dead connection is noticed and replaced.
 */
export function createSocket(token: string, hooks: ClientHooks): SocketClient {
  const { connection } = hooks;
  let activeSocket: WebSocket | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  return createSocketClient({
    url: socketUrl(),
    lazy: false,
    connectionParams: { authorization: `Bearer ${token}` },
    keepAlive: PING_INTERVAL_MS,
    retryAttempts: Infinity,
    retryWait: (retries) => sleep(backoffDelay(retries)),
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === CLOSE_FORBIDDEN),
    onNonLazyError: (error) => {
      if (isCloseEvent(error) && error.code === CLOSE_FORBIDDEN) return;
      connection?.socketStopped(isCloseEvent(error) && error.reason ? error.reason : 'the server refused the connection');
    },
    on: {
      connecting: (retrying) => connection?.socketConnecting(retrying),
      connected: (socket) => {
        activeSocket = socket as WebSocket;
        connection?.socketConnected();
      },
      closed: (event) => {
        activeSocket = null;
        clearTimeout(pongTimer);
        if (isCloseEvent(event) && event.code === CLOSE_FORBIDDEN) hooks.onUnauthenticated();
        else connection?.socketClosed();
      },
      ping: (received) => {
        if (received) return;
        pongTimer = setTimeout(() => {
          if (activeSocket?.readyState !== WebSocket.OPEN) return;
          // On a dead network the close handshake itself may hang; say so now.
          connection?.socketClosed();
          activeSocket.close(CLOSE_PONG_TIMEOUT, 'No pong from the server');
        }, PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });
}

export function createApiClient(token: string, hooks: ClientHooks): ApiClient {
  const socket = createSocket(token, hooks);
  const client = createHttpClient(token, hooks, socket);
  return { client, socket, dispose: () => void socket.dispose() };
}
