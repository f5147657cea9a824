import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Logger } from '../logger.ts';
import { isContentKind } from '../modules/content/content.rules.ts';
import type { AppliedContent, AppliedContentFilter, AppliedContentService } from '../modules/inventory/inventory.applied.ts';
import type { TargetInput } from '../modules/targets/targets.types.ts';
import { personRole, type RequestMeta } from '../shared/actor.ts';
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from '../shared/domain-error.ts';
import type { Transactor } from '../shared/transactor.ts';
import { type RestCallerDeps, restCaller, sendDomainError, sendJson } from './rest.ts';
import { API_POLICY, setSecurityHeaders } from './security-headers.ts';

export const REPORTS_PATH = '/api/reports';
export const APPLIED_CONTENT_CSV_PATH = `${REPORTS_PATH}/applied-content.csv`;

export interface ReportsHttpDeps extends RestCallerDeps {
  appliedContent: AppliedContentService;
  transactor: Transactor;
  logger: Logger;
}

const QUERY_PARAMETERS = new Set(['cluster', 'tag', 'match', 'kind']);

/** The report's columns, in order: CSV header and value of each row. */
const COLUMNS: [header: string, value: (row: AppliedContent) => string][] = [
  ['cluster', (row) => row.clusterName],
  ['node', (row) => row.nodeName],
  ['node_id', (row) => row.nodeId],
  ['kind', (row) => row.kind],
  ['name', (row) => row.name],
  ['version', (row) => row.version ?? ''],
  ['sha256', (row) => row.sha256],
  ['installed_since', (row) => row.installedSince.toISOString()],
  ['loaded', (row) => String(row.loaded)],
  ['operation_id', (row) => row.appliedBy?.operationId ?? ''],
  ['requested_by', (row) => row.appliedBy?.requestedBy ?? ''],
  ['applied_at', (row) => row.appliedBy?.appliedAt?.toISOString() ?? ''],
];

function statusOf(error: DomainError): number {
  if (error instanceof ForbiddenError) return error.code === 'UNAUTHENTICATED' ? 401 : 403;
  if (error instanceof NotFoundError) return 404;
  return 400;
}

/** `?cluster=a&cluster=b` or `?tag=x&tag=y[&match=any]`, and `kind=PATCH`: the report's filter, as GraphQL takes it. */
function filterOf(url: URL): AppliedContentFilter {
  const unknown = [...url.searchParams.keys()].find((name) => !QUERY_PARAMETERS.has(name));
  if (unknown !== undefined)
    throw new ValidationError('INVALID_ARGUMENT', `Unknown parameter "${unknown.slice(0, 40)}"; use cluster, tag, match and kind.`, unknown.slice(0, 40));
  const clusters = url.searchParams.getAll('cluster').filter(Boolean);
  const tags = url.searchParams.getAll('tag').filter(Boolean);
  const match = (url.searchParams.get('match') ?? 'all').toUpperCase();
  const kind = (url.searchParams.get('kind') ?? '').toUpperCase();
  if (clusters.length > 0 && tags.length > 0)
    throw new ValidationError('INVALID_TARGET', 'Give cluster or tag, not both; the tag cluster:<name> selects a cluster’s nodes among tagged ones.', 'tag');
  if (match !== 'ALL' && match !== 'ANY') throw new ValidationError('INVALID_ARGUMENT', 'match must be all or any.', 'match');
  if (kind && !isContentKind(kind)) throw new ValidationError('INVALID_ARGUMENT', 'kind must be PATCH, ARTIFACT or CONFIG.', 'kind');
  let target: TargetInput | null = null;
  if (clusters.length > 0) target = { clusters };
  else if (tags.length > 0) target = { tags: { tags, match } };
  return { target, kind: kind && isContentKind(kind) ? kind : null };
}

/**
 * Reports beside /graphql, for spreadsheets: `GET /api/reports/applied-content.csv` streams the
 * whole applied-content report (every page) as RFC 4180 CSV with a header row. Any person's
 * credentials (viewer or above) may read it; refusals are audited.
 */
export function reportsHandler(deps: ReportsHttpDeps) {
  const refuseUnlessViewer = async (meta: RequestMeta) => {
    if (personRole(meta.actor)) return;
    const refusal = new ForbiddenError('VIEWER', meta.actor);
    await deps.transactor.recordOutcome(meta, { action: 'report.appliedContent' }, 'DENIED', refusal.code, 'requires a person’s credentials');
    throw refusal;
  };

  const appliedContentCsv = async (res: http.ServerResponse, url: URL, meta: RequestMeta) => {
    await refuseUnlessViewer(meta);
    const rows = await deps.appliedContent.export(filterOf(url));
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': 'attachment; filename="applied-content.csv"',
      'cache-control': 'no-store',
    });
    const csv = stringify({
      header: true,
      columns: COLUMNS.map(([header]) => header),
      record_delimiter: 'windows',
      // A cell starting with =, +, - or @ would run as a formula in a spreadsheet: file names and
      // requesters are chosen by people, so such cells get a leading apostrophe.
      escape_formulas: true,
    });
    await pipeline(
      async function* () {
        for await (const row of rows) yield COLUMNS.map(([, value]) => value(row));
      },
      csv,
      res,
    );
  };

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(res, API_POLICY);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const meta = await restCaller(req, res, deps);
      if (!meta) return;
      if (url.pathname !== APPLIED_CONTENT_CSV_PATH) {
        sendJson(res, 404, { errors: [{ message: `No such report; there is ${APPLIED_CONTENT_CSV_PATH}.`, extensions: { code: 'NOT_FOUND' } }] });
        return;
      }
      if (req.method !== 'GET') {
        res.setHeader('allow', 'GET');
        sendJson(res, 405, { errors: [{ message: 'Reports are read with GET.', extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
        return;
      }
      await appliedContentCsv(res, url, meta);
    } catch (error) {
      if (error instanceof DomainError) {
        sendDomainError(res, error, statusOf(error));
        return;
      }
      // A client that leaves mid-report ends the stream; anything else is the OC's fault, logged and masked.
      if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      deps.logger.error({ err: error }, 'report request failed');
      sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}
