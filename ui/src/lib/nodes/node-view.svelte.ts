import type { Client } from '@urql/core';
import type { SeriesPoint } from '$lib/charts/chart';
import { fetchQuery } from '$lib/graphql/request';
import { changeTags } from '$lib/tags/tags.service';
import { describeLoadError } from '$lib/utils/handle-error';
import { type NodeDetails, NodeHistoryQuery, NodeQuery, NodeStatsSeriesQuery, type StatusChange } from './nodes.graphql';

const HISTORY_PAGE = 25;
const MAX_PAGE = 100;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The chart windows on offer, with a tick spacing that gives round times on the axis. */
export const STATS_RANGES = {
  '1h': { windowMs: HOUR_MS, tickMs: 10 * MINUTE_MS },
  '6h': { windowMs: 6 * HOUR_MS, tickMs: HOUR_MS },
  '24h': { windowMs: 24 * HOUR_MS, tickMs: 4 * HOUR_MS },
  '7d': { windowMs: 7 * 24 * HOUR_MS, tickMs: 24 * HOUR_MS },
} as const;
export type StatsRange = keyof typeof STATS_RANGES;

export function isStatsRange(value: string): value is StatsRange {
  return value in STATS_RANGES;
}

/** One node: its details, its status history (newest first) and its statistics over time. */
export class NodeView {
  node = $state.raw<NodeDetails | null>(null);
  history = $state.raw<StatusChange[]>([]);
  historyTotal = $state(0);
  historyCursor = $state<string | null>(null);
  loadingMore = $state(false);
  historyError = $state<string | null>(null);
  cpu = $state.raw<SeriesPoint[]>([]);
  memory = $state.raw<SeriesPoint[]>([]);
  window = $state.raw({ from: 0, to: 0 });
  seriesError = $state<string | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  /** The node, and as much of its history as is shown so that a refresh keeps "load more" pages. */
  load = async (): Promise<void> => {
    await Promise.all([this.#loadNode(), this.#loadHistory()]);
    this.loaded = true;
  };

  loadMoreHistory = async (): Promise<void> => {
    if (!this.historyCursor) return;
    this.loadingMore = true;
    try {
      const { node } = await fetchQuery(this.client, NodeHistoryQuery, { id: this.id, first: HISTORY_PAGE, after: this.historyCursor });
      const page = node?.statusHistory;
      this.history = [...this.history, ...(page?.nodes ?? [])];
      this.historyCursor = page?.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } catch (error) {
      this.historyError = describeLoadError(error, 'Older status changes could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };

  loadSeries = async (range: StatsRange): Promise<void> => {
    const to = Date.now();
    const from = to - STATS_RANGES[range].windowMs;
    try {
      const { node } = await fetchQuery(this.client, NodeStatsSeriesQuery, { id: this.id, since: new Date(from).toISOString() });
      const points = node?.statsSeries ?? [];
      this.cpu = points.map((point) => ({ x: Date.parse(point.minute), y: point.cpuPercent ?? null }));
      this.memory = points.map((point) => ({ x: Date.parse(point.minute), y: point.memoryBytes ?? null }));
      this.window = { from, to };
      this.seriesError = null;
    } catch (error) {
      this.seriesError = describeLoadError(error, 'The statistics could not be loaded.');
    }
  };

  addTag = (tag: string) => this.#changeTags('add', tag);
  removeTag = (tag: string) => this.#changeTags('remove', tag);

  async #loadNode(): Promise<void> {
    try {
      this.node = (await fetchQuery(this.client, NodeQuery, { id: this.id })).node;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The node could not be loaded.');
    }
  }

  async #loadHistory(): Promise<void> {
    try {
      const first = Math.min(MAX_PAGE, Math.max(HISTORY_PAGE, this.history.length));
      const page = (await fetchQuery(this.client, NodeHistoryQuery, { id: this.id, first, after: null })).node?.statusHistory;
      this.history = page?.nodes ?? [];
      this.historyTotal = page?.totalCount ?? 0;
      this.historyCursor = page?.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      this.historyError = null;
    } catch (error) {
      this.historyError = describeLoadError(error, 'The status history could not be loaded.');
    }
  }

  async #changeTags(action: 'add' | 'remove', tag: string): Promise<string | null> {
    const error = await changeTags(this.client, action, { nodeIds: [this.id], tags: [tag] });
    if (!error) await this.load();
    return error;
  }
}
