import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode, type ExecutionResult, makeServer } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.ts';
import type { Actor } from '../shared/actor.ts';
import { isAllowedOrigin } from './origin.ts';

/** Close codes the OC sends besides graphql-ws's own. */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_MANY_SOCKETS = 4008;
const CLOSE_POLICY_VIOLATION = 1008;
const KEEP_ALIVE_MS = 12_000;
/** How many largest-possible messages may wait unsent for one client before it counts as not reading. */
const SLOW_CONSUMER_FACTOR = 4;

interface SocketAuth {
  actor: Actor;
  authorization: string;
  clientAddress: string;
}

/** What runs an operation that arrived over a WebSocket: the same plugins as over HTTP. */
export type EnvelopedOperation = (
  auth: SocketAuth,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
) => Promise<ExecutionArgs | readonly GraphQLError[]>;

export interface WebSocketDeps {
  server: http.Server;
  authenticate(authorization: string): Promise<Actor | null>;
  prepare: EnvelopedOperation;
  execute(args: ExecutionArgs): Promise<unknown>;
  subscribe(args: ExecutionArgs): Promise<unknown>;
  allowedOrigins: readonly string[];
  maxPayloadBytes: number;
  maxSubscriptionsPerSocket: number;
  maxSocketsPerUser: number;
  /** How often open sockets' credentials are checked again (expiry, revocation by another replica). */
  revalidateEveryMs: number;
  logger: Logger;
}

/** What a WebSocket client may send as its connection_init payload. */
function authorizationFrom(params: Record<string, unknown> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization ?? (params?.token ? `Bearer ${params.token}` : undefined);
  return typeof value === 'string' ? value : null;
}

/** One identity per person or agent credential, for the per-user socket cap. */
function ownerOf(actor: Actor): string {
  switch (actor.type) {
    case 'USER':
    case 'API_TOKEN':
      return `user:${actor.userId}`;
    case 'AGENT':
      return `agent:${actor.clusterId}`;
    default:
      return actor.type;
  }
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * GraphQL over WebSocket (graphql-ws) on /graphql. Browsers from foreign origins are refused at
 * the upgrade; credentials come in connection_init; every operation goes through the same
 * plugins as over HTTP. No frame, message or header a client sends can take the process down:
 * every socket and the upgrade path have error handlers, and a failure is that socket's alone.
 */
export function attachWebSockets(deps: WebSocketDeps) {
  const log = deps.logger;
  const sockets = new Map<WebSocket, SocketAuth>();
  const socketsOf = new Map<string, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayloadBytes });
  wss.on('error', (error) => log.warn({ err: error }, 'WebSocket server error'));

  deps.server.on('upgrade', (req, socket, head) => {
    socket.on('error', (error) => log.debug({ err: error }, 'upgrade connection error'));
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/graphql') return refuse(socket, '404 Not Found');
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, deps.allowedOrigins)) return refuse(socket, '403 Forbidden');
    try {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (error) {
      log.debug({ err: error }, 'refused a malformed WebSocket upgrade');
      refuse(socket, '400 Bad Request');
    }
  });

  const server = makeServer<Record<string, unknown>, { socket: WebSocket; clientAddress: string; auth?: SocketAuth }>({
    onConnect: async (ctx) => {
      const authorization = authorizationFrom(ctx.connectionParams);
      const actor = authorization ? await deps.authenticate(authorization) : null;
      if (!actor || actor.type === 'ANONYMOUS' || !authorization) return false;
      const owner = ownerOf(actor);
      const open = socketsOf.get(owner) ?? 0;
      if (open >= deps.maxSocketsPerUser) {
        ctx.extra.socket.close(CLOSE_TOO_MANY_SOCKETS, `TOO_MANY_SOCKETS: at most ${deps.maxSocketsPerUser} open WebSockets per user`);
        return false;
      }
      socketsOf.set(owner, open + 1);
      const auth = { actor, authorization, clientAddress: ctx.extra.clientAddress };
      ctx.extra.auth = auth;
      sockets.set(ctx.extra.socket, auth);
      ctx.extra.socket.once('close', () => {
        sockets.delete(ctx.extra.socket);
        const left = (socketsOf.get(owner) ?? 1) - 1;
        if (left > 0) socketsOf.set(owner, left);
        else socketsOf.delete(owner);
      });
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      if (Object.keys(ctx.subscriptions).length > deps.maxSubscriptionsPerSocket) {
        return [
          new GraphQLError(`This socket already holds ${deps.maxSubscriptionsPerSocket} operations; complete some, or open another socket.`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
          }),
        ];
      }
      return deps.prepare(ctx.extra.auth as SocketAuth, payload);
    },
    execute: (args) => settle(deps.execute(args)),
    subscribe: (args) => settle(deps.subscribe(args)),
  });

  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    socket.on('error', (error) => {
      log.debug({ err: error }, 'WebSocket closed after a client error');
      socket.terminate();
    });
    let pongWait: NodeJS.Timeout | null = null;
    const keepAlive = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            // A client that stops reading would make the OC hold every message for it; it is cut off instead.
            if (socket.bufferedAmount > deps.maxPayloadBytes * SLOW_CONSUMER_FACTOR) {
              log.warn({ buffered: socket.bufferedAmount }, 'closed a WebSocket whose client stopped reading');
              socket.close(CLOSE_POLICY_VIOLATION, 'Slow consumer: messages are not being read');
              return resolve();
            }
            socket.send(data, () => resolve());
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data, isBinary) => {
            if (isBinary) {
              socket.close(CloseCode.BadRequest, 'Binary messages are not part of the protocol');
              return;
            }
            try {
              await handle(String(data));
            } catch (error) {
              log.error({ err: error }, 'a WebSocket message could not be handled');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, clientAddress: request.socket.remoteAddress ?? 'unknown' },
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      if (pongWait) clearTimeout(pongWait);
      void closed(code, String(reason));
    });
  });

  // Expiry and revocation by another OC replica are caught by asking again now and then.
  const revalidation = setInterval(() => {
    for (const [socket, auth] of sockets) {
      void deps.authenticate(auth.authorization).then((actor) => {
        if (!actor) socket.close(CLOSE_FORBIDDEN, 'Credentials expired or revoked');
      });
    }
  }, deps.revalidateEveryMs);
  revalidation.unref();

  return {
    /** Closes the sockets whose credentials no longer hold. */
    closeWhere(matches: (actor: Actor) => boolean, reason: string): void {
      for (const [socket, auth] of sockets) if (matches(auth.actor)) socket.close(CLOSE_FORBIDDEN, reason);
    },
    closeAll(): void {
      for (const socket of wss.clients) socket.close(CLOSE_GOING_AWAY, 'Server shutting down');
    },
    terminateAll(): void {
      for (const socket of wss.clients) socket.terminate();
    },
    close(): void {
      clearInterval(revalidation);
      wss.close();
    },
  };
}

/** An execution that throws becomes that operation's error, never the socket's. */
async function settle(result: Promise<unknown>): Promise<never> {
  try {
    return (await result) as never;
  } catch (error) {
    const graphqlError = error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    return { errors: [graphqlError] } satisfies ExecutionResult as never;
  }
}
