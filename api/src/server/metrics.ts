import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from '../logger.ts';
import type { MetricsService } from '../modules/metrics/metrics.service.ts';
import type { TargetInput } from '../modules/targets/targets.types.ts';
import { DomainError, ValidationError } from '../shared/domain-error.ts';
import { sendDomainError, sendJson } from './rest.ts';
import { API_POLICY, setSecurityHeaders } from './security-headers.ts';

export const METRICS_PATH = '/metrics';

export interface MetricsHttpDeps {
  /** The bearer token scrapers send; undefined turns the endpoint off. */
  token: string | undefined;
  metrics: MetricsService;
  logger: Logger;
}

const QUERY_PARAMETERS = new Set(['cluster', 'tag', 'match', 'node']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `?cluster=a&cluster=b`, `?tag=x&tag=y[&match=any]` or `?node=<id>&node=<id>`: the nodes to give per-node series for; null for none. */
function targetOf(url: URL): TargetInput | null {
  const unknown = [...url.searchParams.keys()].find((name) => !QUERY_PARAMETERS.has(name));
  if (unknown !== undefined)
    throw new ValidationError('INVALID_ARGUMENT', `Unknown parameter "${unknown.slice(0, 40)}"; use cluster, tag (with match) or node.`, unknown.slice(0, 40));
  const clusters = url.searchParams.getAll('cluster').filter(Boolean);
  const tags = url.searchParams.getAll('tag').filter(Boolean);
  const nodes = url.searchParams.getAll('node').filter(Boolean);
  const match = (url.searchParams.get('match') ?? 'all').toUpperCase();
  if ([clusters, tags, nodes].filter((list) => list.length > 0).length > 1)
    throw new ValidationError(
      'INVALID_TARGET',
      'Give cluster, tag or node, only one of them; the tag cluster:<name> selects a cluster’s nodes among tagged ones.',
      'target',
    );
  if (match !== 'ALL' && match !== 'ANY') throw new ValidationError('INVALID_ARGUMENT', 'match must be all or any.', 'match');
  if (clusters.length > 0) return { clusters };
  if (tags.length > 0) return { tags: { tags, match } };
  if (nodes.length > 0) return { nodes };
  return null;
}

/**
 * `GET /metrics` for Prometheus, behind its own bearer token rather than a person's credentials, so a
 * scraper holds nothing that opens the API. Without a target it gives the OC's health and the fleet
 * by cluster; with one (see targetOf), that target's per-node series only, so a job that scrapes a
 * target does not collect the OC's own figures a second time.
 */
export function metricsHandler(deps: MetricsHttpDeps) {
  const expected = deps.token === undefined ? null : digest(deps.token);
  const authorized = (authorization: string | undefined) => {
    const presented = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    // Comparing digests keeps the time taken the same whatever the length of what is presented.
    return expected !== null && presented !== undefined && timingSafeEqual(digest(presented), expected);
  };

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(res, API_POLICY);
    res.setHeader('cache-control', 'no-store');
    if (expected === null) {
      sendJson(res, 404, {
        errors: [
          {
            message: 'Metrics are off. Set OPSCENTER_METRICS_TOKEN on the OC to turn them on, and have Prometheus send it as "Authorization: Bearer <token>".',
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      });
      return;
    }
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      sendJson(res, 401, {
        errors: [{ message: 'Send the metrics token (OPSCENTER_METRICS_TOKEN) as "Authorization: Bearer <token>".', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { errors: [{ message: 'Metrics are read with GET.', extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
      return;
    }
    try {
      const target = targetOf(new URL(req.url ?? '/', 'http://localhost'));
      const body = target ? await deps.metrics.scrapeNodes(target) : await deps.metrics.scrape();
      res.writeHead(200, { 'content-type': deps.metrics.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      if (error instanceof DomainError) {
        sendDomainError(res, error, 400);
        return;
      }
      deps.logger.error({ err: error }, 'metrics scrape failed');
      sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}
