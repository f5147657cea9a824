import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type DriftNode, DriftNodesQuery, type DriftSummary, DriftSummaryQuery } from './drift.graphql';

export interface DriftFilter {
  cluster: string;
  tag: string;
}

type Target = { all: true } | { tags: { tags: string[]; match: 'ALL' } };

/** A target takes one kind of selector; the cluster as its implicit cluster: tag combines with a user tag. */
export function driftTarget(filter: DriftFilter): Target {
  const tags = [filter.cluster && `cluster:${filter.cluster.toLowerCase()}`, filter.tag].filter(Boolean);
  return tags.length ? { tags: { tags, match: 'ALL' } } : { all: true };
}

/** What a deploy from the drift page targets: the same nodes, by cluster name where that says it all (operations list it so). */
export function driftDeployTarget(filter: DriftFilter): Target | { clusters: string[] } {
  return filter.cluster && !filter.tag ? { clusters: [filter.cluster] } : driftTarget(filter);
}

/** The nodes a filter selects, in words, e.g. "cluster shop" or "nodes tagged canary in cluster shop". */
export function describeDriftTarget(filter: DriftFilter): string {
  if (filter.cluster && filter.tag) return `nodes tagged ${filter.tag} in cluster ${filter.cluster}`;
  if (filter.cluster) return `cluster ${filter.cluster}`;
  if (filter.tag) return `nodes tagged ${filter.tag}`;
  return 'the whole system';
}

/** The drift summary of the filtered nodes and their files node by node, a page at a time. */
export class DriftView {
  summary = $state.raw<DriftSummary | null>(null);
  nodes = $state.raw<DriftNode[]>([]);
  nodeTotal = $state(0);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly client: Client,
    private readonly filter: DriftFilter,
  ) {}

  /** Reloads as many nodes as are shown, so that a refresh does not collapse what "Load more" added. */
  load = async (): Promise<void> => {
    const target = driftTarget(this.filter);
    try {
      const wanted = Math.max(this.nodes.length, 1);
      const [{ driftSummary }, first] = await Promise.all([
        fetchQuery(this.client, DriftSummaryQuery, { target }),
        fetchQuery(this.client, DriftNodesQuery, { target, after: null }),
      ]);
      let nodes = first.nodes.nodes;
      let page = first.nodes;
      while (nodes.length < wanted && page.pageInfo.hasNextPage) {
        page = (await fetchQuery(this.client, DriftNodesQuery, { target, after: page.pageInfo.endCursor })).nodes;
        nodes = [...nodes, ...page.nodes];
      }
      this.summary = driftSummary;
      this.nodes = nodes;
      this.nodeTotal = page.totalCount;
      this.nextCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The drift could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  loadMore = async (): Promise<void> => {
    if (!this.nextCursor) return;
    this.loadingMore = true;
    try {
      const { nodes: page } = await fetchQuery(this.client, DriftNodesQuery, { target: driftTarget(this.filter), after: this.nextCursor });
      this.nodes = [...this.nodes, ...page.nodes];
      this.nextCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } catch (error) {
      this.error = describeLoadError(error, 'More nodes could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };
}
