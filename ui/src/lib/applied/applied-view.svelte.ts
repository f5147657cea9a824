import type { Client } from '@urql/core';
import { session } from '$lib/auth/session.svelte';
import { driftTarget } from '$lib/drift/drift-view.svelte';
import type { ContentKind } from '$lib/graphql/enums';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { AppliedContentQuery, type AppliedContentRow } from './applied.graphql';

export interface AppliedFilter {
  cluster: string;
  tag: string;
  kind: ContentKind | null;
}

/** The report as CSV, beside /graphql (see the OC's server/reports.ts). */
const CSV_PATH = '/api/reports/applied-content.csv';
const SESSION_ENDED = 'Your session has ended. Log in again.';
const UNREACHABLE = 'The Operations Center cannot be reached. Check the connection and try again.';
/** Long enough for the browser to have read the blob into its download. */
const RELEASE_DOWNLOAD_AFTER_MS = 30_000;

const variablesOf = (filter: AppliedFilter) => {
  const target = driftTarget(filter);
  return { target: 'all' in target ? null : target, kind: filter.kind };
};

/** The CSV's query string for the same nodes the page shows: the cluster as its implicit cluster: tag, as on the drift page. */
export function csvQuery(filter: AppliedFilter): string {
  const query = new URLSearchParams();
  const target = driftTarget(filter);
  if ('tags' in target) for (const tag of target.tags.tags) query.append('tag', tag);
  if (filter.kind) query.set('kind', filter.kind);
  return query.size ? `?${query}` : '';
}

/**
 * Fetches the CSV with the session's token (a plain link could not send it) and saves it. Throws
 * a sentence for the person when the OC refuses or cannot be reached.
 */
export async function downloadAppliedCsv(filter: AppliedFilter): Promise<void> {
  const token = session.token;
  let response: Response;
  try {
    response = await fetch(`${CSV_PATH}${csvQuery(filter)}`, { cache: 'no-store', headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new Error(UNREACHABLE);
  }
  if (!response.ok) {
    if (response.status === 401) {
      if (session.token === token) session.end(SESSION_ENDED);
      throw new Error(SESSION_ENDED);
    }
    const body = (await response.json().catch(() => null)) as { errors?: { message?: string; extensions?: { code?: string } }[] } | null;
    const first = body?.errors?.[0];
    // The OC masks unexpected failures as "Unexpected error."; its own messages are written for people.
    throw new Error(first?.message && first.extensions?.code !== 'INTERNAL_SERVER_ERROR' ? first.message : 'The CSV could not be downloaded.');
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = 'applied-content.csv';
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), RELEASE_DOWNLOAD_AFTER_MS);
}

/** The applied-content report of the filtered nodes, 100 rows at a time. */
export class AppliedView {
  rows = $state.raw<AppliedContentRow[]>([]);
  totalCount = $state(0);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (filter: AppliedFilter): Promise<void> => {
    try {
      const { appliedContent } = await fetchQuery(this.client, AppliedContentQuery, { ...variablesOf(filter), after: null });
      this.rows = appliedContent.nodes;
      this.totalCount = appliedContent.totalCount;
      this.nextCursor = appliedContent.pageInfo.hasNextPage ? appliedContent.pageInfo.endCursor : null;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The report could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  loadMore = async (filter: AppliedFilter): Promise<void> => {
    if (!this.nextCursor) return;
    this.loadingMore = true;
    try {
      const { appliedContent } = await fetchQuery(this.client, AppliedContentQuery, { ...variablesOf(filter), after: this.nextCursor });
      this.rows = [...this.rows, ...appliedContent.nodes];
      this.nextCursor = appliedContent.pageInfo.hasNextPage ? appliedContent.pageInfo.endCursor : null;
    } catch (error) {
      this.error = describeLoadError(error, 'More of the report could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };
}
