import type { Client } from '@urql/core';
import { unionError } from '$lib/graphql/errors';
import { fetchQuery, runMutation } from '$lib/graphql/request';
import { describeError, describeLoadError } from '$lib/utils/handle-error';
import { type ContentHolder, ContentHoldersQuery, type ContentItem, ContentItemQuery, DeleteContentItemMutation } from './content.graphql';
import { ContentRequestError, downloadContent } from './content-transfer';

/** One content item and the nodes that have it, with downloading and deleting it. */
export class ContentItemView {
  item = $state.raw<ContentItem | null>(null);
  holders = $state.raw<ContentHolder[]>([]);
  holdersTotal = $state(0);
  loaded = $state(false);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  busy = $state<'downloading' | 'deleting' | null>(null);

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  load = async (): Promise<void> => {
    try {
      this.item = (await fetchQuery(this.client, ContentItemQuery, { id: this.id })).contentItem;
      if (this.item) {
        const { nodesWithContent } = await fetchQuery(this.client, ContentHoldersQuery, { sha256: this.item.sha256 });
        this.holders = nodesWithContent.nodes;
        this.holdersTotal = nodesWithContent.totalCount;
      }
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, 'The content item could not be loaded.');
    } finally {
      this.loaded = true;
    }
  };

  download = async (): Promise<void> => {
    if (!this.item) return;
    this.busy = 'downloading';
    this.actionError = null;
    try {
      await downloadContent(this.item);
    } catch (error) {
      this.actionError = error instanceof ContentRequestError ? error.message : describeError(error, 'The download failed unexpectedly.');
    } finally {
      this.busy = null;
    }
  };

  /** Whether the item is gone. */
  remove = async (): Promise<boolean> => {
    this.busy = 'deleting';
    this.actionError = null;
    try {
      const refused = unionError((await runMutation(this.client, DeleteContentItemMutation, { id: this.id })).deleteContentItem);
      this.actionError = refused?.message ?? null;
      return refused === null;
    } catch (error) {
      this.actionError = describeError(error, 'The content item could not be deleted.');
      return false;
    } finally {
      this.busy = null;
    }
  };
}
