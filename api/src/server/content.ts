import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logger.ts';
import { ContentTooLargeError, DownloadNotCommandedError } from '../modules/content/content.errors.ts';
import type { ContentService, ContentUpload } from '../modules/content/content.service.ts';
import type { ContentItemRow } from '../modules/content/content.types.ts';
import { personRole, type RequestMeta, roleAtLeast } from '../shared/actor.ts';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../shared/domain-error.ts';
import type { Transactor } from '../shared/transactor.ts';
import { isUuid } from '../shared/validation.ts';
import { type RestCallerDeps, restCaller, sendDomainError, sendJson } from './rest.ts';
import { API_POLICY, setSecurityHeaders } from './security-headers.ts';

export const CONTENT_PATH = '/api/content';

export interface ContentHttpDeps extends RestCallerDeps {
  content: ContentService;
  transactor: Transactor;
  /** Whether a cluster's manager may download the item: an unfinished DEPLOY command of its cluster names it. */
  commandNamesContent(clusterId: string, contentId: string): Promise<boolean>;
  maxUploadBytes: number;
  logger: Logger;
}

/** The item as the upload answers it: what GraphQL's ContentItem says, in JSON. */
function itemJson(item: ContentItemRow) {
  return { ...item, uploadedAt: item.uploadedAt.toISOString() };
}

function statusOf(error: DomainError): number {
  if (error instanceof ContentTooLargeError) return 413;
  if (error instanceof ForbiddenError) return error.code === 'UNAUTHENTICATED' ? 401 : 403;
  if (error instanceof DownloadNotCommandedError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  return 400;
}

function sendError(res: http.ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof DomainError) {
    // A refused upload is not read to its end: close the connection rather than drain it.
    res.setHeader('connection', 'close');
    sendDomainError(res, error, statusOf(error));
    return;
  }
  if (!res.destroyed) logger.error({ err: error }, 'content request failed');
  sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
}

/** The upload's description, from the query string: `?kind=PATCH&name=fix.jar&version=1.2&productKinds=a,b&requiresRestart=true`. */
function uploadOf(url: URL): ContentUpload {
  const param = (name: string) => url.searchParams.get(name) ?? '';
  const requiresRestart = param('requiresRestart') || 'true';
  if (!['true', 'false'].includes(requiresRestart)) throw new ValidationError('INVALID_ARGUMENT', 'requiresRestart must be true or false.', 'requiresRestart');
  return {
    kind: param('kind').toUpperCase(),
    name: param('name'),
    version: param('version'),
    productKinds: param('productKinds')
      .split(',')
      .map((kind) => kind.trim())
      .filter(Boolean),
    requiresRestart: requiresRestart === 'true',
    description: param('description'),
  };
}

/**
 * Content over HTTP, beside /graphql: `POST /api/content?...` streams an upload in (the body is the
 * file, as application/octet-stream), `GET /api/content/<id>` streams an item's bytes out. Both need
 * the operator role; every upload leaves one audit row, refused or not.
 */
export function contentHandler(deps: ContentHttpDeps) {
  const refuseUnlessOperator = async (meta: RequestMeta, action: string) => {
    const role = personRole(meta.actor);
    if (role && roleAtLeast(role, 'OPERATOR')) return;
    const refusal = new ForbiddenError('OPERATOR', meta.actor);
    await deps.transactor.recordOutcome(meta, { action }, 'DENIED', refusal.code, 'requires operator');
    throw refusal;
  };

  const upload = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, meta: RequestMeta) => {
    await refuseUnlessOperator(meta, 'content.upload');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const query = Object.fromEntries(url.searchParams);
    const result = await deps.transactor.call(meta, { action: 'content.upload', targetType: 'content', args: query }, (callMeta) => {
      if (type !== 'application/octet-stream')
        throw new ValidationError('INVALID_ARGUMENT', 'Send the file as the body, with content-type application/octet-stream.', 'content-type');
      if (Number(req.headers['content-length'] ?? 0) > deps.maxUploadBytes) throw new ContentTooLargeError(deps.maxUploadBytes);
      return deps.content.upload(callMeta, uploadOf(url), req);
    });
    sendJson(res, result.created ? 201 : 200, { item: itemJson(result.item), created: result.created });
  };

  /**
   * Operators may download any item; a manager only what an unfinished DEPLOY command of its own
   * cluster names, so its credential reaches no other content. Refusals are audited.
   */
  const refuseUnlessAllowed = async (meta: RequestMeta, id: string) => {
    if (meta.actor.type !== 'AGENT') return refuseUnlessOperator(meta, 'content.download');
    if (isUuid(id) && (await deps.commandNamesContent(meta.actor.clusterId, id))) return;
    const refusal = new DownloadNotCommandedError();
    await deps.transactor.recordOutcome(
      meta,
      { action: 'content.download', targetType: 'content', targetId: isUuid(id) ? id : null, args: { clusterId: meta.actor.clusterId } },
      'DENIED',
      'NOT_NAMED_BY_COMMAND',
      refusal.message,
    );
    throw refusal;
  };

  const download = async (res: http.ServerResponse, id: string, meta: RequestMeta) => {
    await refuseUnlessAllowed(meta, id);
    const item = await deps.content.find(id);
    if (!item) throw new NotFoundError('content item', id);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(item.size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`,
      'x-content-sha256': item.sha256,
    });
    await pipeline(deps.content.read(item), res);
  };

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(res, API_POLICY);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const meta = await restCaller(req, res, deps);
      if (!meta) return;
      const id = url.pathname.slice(CONTENT_PATH.length + 1);
      if (req.method === 'POST' && url.pathname === CONTENT_PATH) await upload(req, res, url, meta);
      else if (req.method === 'GET' && id && !id.includes('/')) await download(res, id, meta);
      else {
        res.setHeader('allow', 'POST, GET');
        sendJson(res, 405, {
          errors: [
            {
              message: 'Upload with POST /api/content?kind=…&name=…&version=…; download with GET /api/content/<id>.',
              extensions: { code: 'METHOD_NOT_ALLOWED' },
            },
          ],
        });
      }
    } catch (error) {
      sendError(res, error, deps.logger);
    }
  };
}
