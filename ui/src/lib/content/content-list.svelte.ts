import type { Client } from '@urql/core';
import { fetchQuery } from '$lib/graphql/request';
import { describeLoadError } from '$lib/utils/handle-error';
import { type ContentFilter, type ContentItem, ContentItemsQuery } from './content.graphql';

/** Content items newest first, 50 at a time; a refetch starts again from the newest. */
export class ContentList {
  items = $state.raw<ContentItem[]>([]);
  totalCount = $state(0);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  load = async (filter: ContentFilter): Promise<void> => {
    try {
      const { contentItems } = await fetchQuery(this.client, ContentItemsQuery, { filter, after: null });
      this.items = contentItems.nodes;
      this.totalCount = contentItems.totalCount;
      this.nextCursor = contentItems.pageInfo.hasNextPage ? contentItems.pageInfo.endCursor : null;
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The content could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  loadMore = async (filter: ContentFilter): Promise<void> => {
    if (!this.nextCursor) return;
    this.loadingMore = true;
    try {
      const { contentItems } = await fetchQuery(this.client, ContentItemsQuery, { filter, after: this.nextCursor });
      this.items = [...this.items, ...contentItems.nodes];
      this.nextCursor = contentItems.pageInfo.hasNextPage ? contentItems.pageInfo.endCursor : null;
    } catch (error) {
      this.error = describeLoadError(error, 'More content could not be loaded.');
    } finally {
      this.loadingMore = false;
    }
  };
}
