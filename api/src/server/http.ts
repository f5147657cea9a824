import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import type { Actor } from '../shared/actor.ts';
import { CONTENT_PATH } from './content.ts';
import { GRAPHIQL_ASSETS_PATH } from './graphiql.ts';
import { METRICS_PATH } from './metrics.ts';
import { REPORTS_PATH } from './reports.ts';
import { API_POLICY, setSecurityHeaders } from './security-headers.ts';
import { STATUS_PAGE_PATH } from './status-page.ts';

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** What GraphQL execution learns about an HTTP request before it starts. */
export interface RequestIdentity {
  actor: Actor;
  clientAddress: string;
  /** Aborts when the client goes away before its answer is complete. */
  clientGone?: AbortSignal;
}

export interface HttpDeps {
  graphql: { requestListener(req: http.IncomingMessage, res: http.ServerResponse, context: RequestIdentity): unknown };
  authenticate(authorization: string | undefined): Promise<Actor | null>;
  dashboard: () => NodeHandler | null;
  /** Serves GraphiQL's page or an asset of it; absent when GraphiQL is turned off. */
  graphiql?: (key: string, req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
  /** Uploads and downloads of content (see server/content.ts). */
  content: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  /** Reports as files, e.g. CSV (see server/reports.ts). */
  reports: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  /** The public status page, served without credentials (see server/status-page.ts). */
  statusPage: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  /** Prometheus metrics (see server/metrics.ts). */
  metrics: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  health: () => Record<string, unknown>;
  maxBodyBytes: number;
  logger: Logger;
}

/** Operations are JSON (or a bare GraphQL document); forms and plain text would let another site post one. */
const OPERATION_TYPES = new Set(['application/json', 'application/graphql+json', 'application/graphql']);

function sendError(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** The whole body, or null once it passes `limit` bytes (chunked or not: the count is of what arrives). */
async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The HTTP side of the OC: GraphQL (with GraphiQL for browsers), content uploads, reports, metrics, the public
 * status page, the health check and the dashboard. Subscriptions over SSE are GraphQL requests too: Yoga answers one that accepts
 * text/event-stream with a stream, after the same checks as any other request.
 */
export function createRequestHandler(deps: HttpDeps): NodeHandler {
  const graphqlRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    setSecurityHeaders(res, API_POLICY);
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });
    const accept = req.headers.accept ?? '';
    if (req.method === 'GET' && deps.graphiql && accept.includes('text/html') && !(req.url ?? '').includes('?')) {
      await deps.graphiql('page', req, res);
      return;
    }
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!OPERATION_TYPES.has(type)) {
        res.setHeader('connection', 'close');
        sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send operations as application/json (POST), or as a GET query string.', { accept: 'application/json' });
        return;
      }
      const body = await readBody(req, deps.maxBodyBytes);
      if (body === null) {
        res.setHeader('connection', 'close');
        sendError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body larger than ${deps.maxBodyBytes} bytes.`);
        return;
      }
      // The node adapter takes a body already read from `body`; the stream itself is used up.
      (req as http.IncomingMessage & { body?: Buffer }).body = body;
    }
    const actor = await deps.authenticate(req.headers.authorization);
    if (!actor) {
      sendError(res, 401, 'UNAUTHENTICATED', 'The token is invalid, expired or revoked; log in again or use another token.');
      return;
    }
    await deps.graphql.requestListener(req, res, { actor, clientAddress: req.socket.remoteAddress ?? 'unknown', clientGone: clientGone.signal });
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      if (path === '/graphql' || path.startsWith('/graphql/')) return graphqlRequest(req, res);
      if (path === CONTENT_PATH || path.startsWith(`${CONTENT_PATH}/`)) return deps.content(req, res);
      if (path.startsWith(`${REPORTS_PATH}/`)) return deps.reports(req, res);
      if (path === STATUS_PAGE_PATH) return deps.statusPage(req, res);
      if (path === METRICS_PATH) return deps.metrics(req, res);
      if (path === '/healthz') {
        setSecurityHeaders(res, API_POLICY);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(deps.health()));
        return;
      }
      if (path.startsWith(GRAPHIQL_ASSETS_PATH) && deps.graphiql && (await deps.graphiql(path, req, res))) return;
      const serveDashboard = deps.dashboard();
      if (serveDashboard) {
        serveDashboard(req, res);
        return;
      }
      setSecurityHeaders(res, API_POLICY);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('The dashboard is not built. Run "npm run build:ui", or use the API at /graphql.\n');
    };
    handle().catch((error: unknown) => {
      deps.logger.error({ err: error, path }, 'request failed');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
    });
  };
}

/** The HTTP server of the OC. A request line or header that does not parse gets a 400; it never reaches the process. */
export function createHttpServer(handler: NodeHandler, logger: Logger): http.Server {
  const server = http.createServer(handler);
  server.on('clientError', (error, socket) => {
    logger.debug({ err: error }, 'refused a malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Starts listening; resolves with the address to reach the OC at. */
export function listen(server: http.Server, port: number, host: string): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({ url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${address.port}`, port: address.port });
    });
  });
}

/**
 * Stops accepting connections and waits for open ones to finish: idle ones and WebSockets are
 * asked to close at once, and whatever is still open after five seconds is cut.
 */
export async function closeGracefully(server: http.Server, sockets: { closeAll(): void; terminateAll(): void }): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  sockets.closeAll();
  const force = setTimeout(() => {
    server.closeAllConnections();
    sockets.terminateAll();
  }, 5_000);
  force.unref();
  await closed;
  clearTimeout(force);
}
