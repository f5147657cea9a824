import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { renderStatusPage, STATUS_PAGE_STYLE } from '../modules/status-page/status-page.render.ts';
import type { PublicStatusPage } from '../modules/status-page/status-page.service.ts';
import { setSecurityHeaders } from './security-headers.ts';

export const STATUS_PAGE_PATH = '/status';

/** How long browsers and proxies may keep the page. */
const MAX_AGE_SECONDS = 30;
/**
 * How long this OC reuses one rendering: anyone may ask for the page as often as they like, and
 * the database sees at most one rendering per this long (and per admin change).
 */
const RENDER_EVERY_MS = 10_000;

export interface StatusPageHttpDeps {
  page(): Promise<PublicStatusPage>;
  onChanged(listener: () => void): void;
  clock: Clock;
  logger: Logger;
}

interface Rendering {
  body: Buffer;
  etag: string;
  at: number;
}

const sha256 = (data: string | Buffer, encoding: 'hex' | 'base64') => createHash('sha256').update(data).digest(encoding);

/** The page runs nothing and loads nothing: its one style sheet is allowed by hash. */
const POLICY = `default-src 'none'; style-src 'sha256-${sha256(STATUS_PAGE_STYLE, 'base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/**
 * `GET /status`: the public status page, with no login. One rendering is shared by every request
 * for a few seconds (concurrent requests wait for the same one), whatever the query string or
 * credentials, so the page cannot be used to load the database; an admin change drops it at once.
 */
export function statusPageHandler(deps: StatusPageHttpDeps) {
  let cached: Rendering | null = null;
  let building: Promise<Rendering> | null = null;
  let generation = 0;
  deps.onChanged(() => {
    generation += 1;
    cached = null;
    building = null;
  });

  const build = async (): Promise<Rendering> => {
    const started = generation;
    const body = Buffer.from(renderStatusPage(await deps.page()));
    const rendering = { body, etag: `"${sha256(body, 'hex').slice(0, 32)}"`, at: deps.clock.monotonic() };
    if (started === generation) cached = rendering;
    return rendering;
  };

  const current = (): Promise<Rendering> => {
    if (cached && deps.clock.monotonic() - cached.at < RENDER_EVERY_MS) return Promise.resolve(cached);
    if (!building) {
      const promise = build().finally(() => {
        if (building === promise) building = null;
      });
      building = promise;
    }
    return building;
  };

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(res, POLICY);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('The status page is read with GET.\n');
      return;
    }
    let rendering: Rendering;
    try {
      rendering = await current();
    } catch (error) {
      deps.logger.error({ err: error }, 'could not render the status page');
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '30' })
        .end('The status page is unavailable; try again shortly.\n');
      return;
    }
    const headers = { etag: rendering.etag, 'cache-control': `public, max-age=${MAX_AGE_SECONDS}` };
    if (matches(req.headers['if-none-match'], rendering.etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': String(rendering.body.length) });
    res.end(req.method === 'HEAD' ? undefined : rendering.body);
  };
}
