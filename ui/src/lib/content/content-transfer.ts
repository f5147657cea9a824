import { session } from '$lib/auth/session.svelte';
import type { ContentKind } from '$lib/graphql/enums';
import type { ContentItem } from './content.graphql';

/** Uploads and downloads go beside /graphql, as raw bytes (see the OC's server/content.ts). */
const CONTENT_PATH = '/api/content';
const SESSION_ENDED = 'Your session has ended. Log in again.';
const UNREACHABLE = 'The Operations Center cannot be reached. Check the connection and try again.';
/** Long enough for the browser to have read the blob into its download. */
const RELEASE_DOWNLOAD_AFTER_MS = 30_000;

export interface ContentUpload {
  file: File;
  kind: ContentKind;
  name: string;
  version: string;
  productKinds: string[];
  requiresRestart: boolean;
  description: string;
}

export interface UploadResult {
  item: ContentItem;
  /** False when the same item with the same bytes was there already. */
  created: boolean;
}

/** The OC's answer to an upload or download it refused: its message, and the field to blame when there is one. */
export class ContentRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

interface ErrorBody {
  errors?: { message?: string; extensions?: { code?: string; field?: string } }[];
}

function refusal(status: number, body: unknown, token: string | null, fallback: string): ContentRequestError {
  const first = (body as ErrorBody | null)?.errors?.[0];
  const code = first?.extensions?.code ?? `HTTP_${status}`;
  if (status === 401) {
    if (session.token === token) session.end(SESSION_ENDED);
    return new ContentRequestError(SESSION_ENDED, code);
  }
  // The OC masks unexpected failures as "Unexpected error."; its own messages are written for people.
  if (!first?.message || code === 'INTERNAL_SERVER_ERROR') return new ContentRequestError(fallback, code);
  return new ContentRequestError(first.message, code, first.extensions?.field ?? null);
}

/**
 * Streams a file to the OC. XMLHttpRequest rather than fetch, because only it reports how much
 * of the body has been sent.
 */
export function uploadContent(upload: ContentUpload, onProgress: (sent: number, total: number) => void): Promise<UploadResult> {
  const token = session.token;
  const query = new URLSearchParams({
    kind: upload.kind,
    name: upload.name,
    version: upload.version,
    productKinds: upload.productKinds.join(','),
    requiresRestart: String(upload.requiresRestart),
    description: upload.description,
  });
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${CONTENT_PATH}?${query}`);
    request.responseType = 'json';
    request.setRequestHeader('content-type', 'application/octet-stream');
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : upload.file.size);
    request.onload = () => {
      const body = request.response as (Partial<UploadResult> & ErrorBody) | null;
      if (request.status >= 200 && request.status < 300 && body?.item) resolve({ item: body.item, created: body.created !== false });
      else reject(refusal(request.status, body, token, 'The upload failed unexpectedly.'));
    };
    request.onerror = () => reject(new ContentRequestError(UNREACHABLE, 'NETWORK'));
    request.send(upload.file);
  });
}

/** Fetches an item's bytes with the session's token (a plain link could not send it) and saves them under the item's name. */
export async function downloadContent(item: Pick<ContentItem, 'id' | 'name'>): Promise<void> {
  const token = session.token;
  let response: Response;
  try {
    // The item's page has the same address: without no-store the browser may answer from its cached HTML.
    response = await fetch(`${CONTENT_PATH}/${encodeURIComponent(item.id)}`, {
      cache: 'no-store',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  } catch {
    throw new ContentRequestError(UNREACHABLE, 'NETWORK');
  }
  if (!response.ok) throw refusal(response.status, await response.json().catch(() => null), token, 'The download failed unexpectedly.');
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = item.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), RELEASE_DOWNLOAD_AFTER_MS);
}
