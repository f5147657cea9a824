import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { validateId, validateText } from '../../shared/validation.ts';
import { ContentExistsError, ContentInUseError } from './content.errors.ts';
import type { ContentFilter, ContentRepository } from './content.repository.ts';
import { validateContentName, validateContentVersion } from './content.rules.ts';
import type { BlobStore } from './content.store.ts';
import { type ContentItemRow, type ContentKind, contentKind } from './content.table.ts';

export interface ContentUpload {
  kind: string;
  name: string;
  version: string;
  productKinds: string[];
  requiresRestart: boolean;
  description: string;
}

/** Who names content items: baselines sit above content (they list its items), so the composition root hands this in. */
export interface ContentUsage {
  /** Within the caller's transaction: the embedded database has one connection, so a read outside it would wait for it. */
  baselinesListing(tx: Executor, itemId: string): Promise<string[]>;
  /** The unfinished operations (ids) that deploy the item. */
  deploymentsOf(tx: Executor, itemId: string): Promise<string[]>;
}

export interface UploadResult {
  item: ContentItemRow;
  /** False when the same item with the same bytes was there already (uploading it again changes nothing). */
  created: boolean;
}

const PRODUCT_KIND = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export class ContentService {
  constructor(
    private readonly db: Database,
    private readonly repository: ContentRepository,
    private readonly store: BlobStore & { removeStaged(): Promise<void> },
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly maxUploadBytes: number,
    private readonly usage: ContentUsage,
  ) {}

  /** Clears what uploads cut off by a stop left behind. */
  start(): Promise<void> {
    return this.store.removeStaged();
  }

  /** Checks an upload's description before any of its bytes are read. */
  validate(upload: ContentUpload): ContentUpload {
    if (!(contentKind.enumValues as readonly string[]).includes(upload.kind))
      throw new ValidationError('INVALID_ARGUMENT', `The kind must be one of ${contentKind.enumValues.join(', ')}.`, 'kind');
    for (const productKind of upload.productKinds)
      if (!PRODUCT_KIND.test(productKind))
        throw new ValidationError('INVALID_ARGUMENT', `The product kind "${productKind.slice(0, 63)}" is not a valid product kind.`, 'productKinds');
    if (upload.productKinds.length > 20) throw new ValidationError('INVALID_ARGUMENT', 'At most 20 product kinds are allowed.', 'productKinds');
    return {
      ...upload,
      name: validateContentName(upload.name),
      version: validateContentVersion(upload.version),
      productKinds: [...new Set(upload.productKinds)].sort(),
      description: validateText(upload.description, 'description', 2000),
    };
  }

  /**
   * Stores an upload's bytes once by their SHA-256 while they stream in, then records the item
   * and its audit row together. Whatever fails (too large, cut off, a conflict) leaves no item
   * and no bytes behind.
   */
  async upload(meta: RequestMeta, input: ContentUpload, body: AsyncIterable<Uint8Array>): Promise<UploadResult> {
    const upload = this.validate(input);
    const staged = await this.store.stage(body, this.maxUploadBytes);
    try {
      return await this.transactor.run(
        meta,
        { action: 'content.upload', targetType: 'content', args: { ...upload, sha256: staged.sha256, size: staged.size } },
        async (work) => {
          const kind = upload.kind as ContentKind;
          const existing = await this.repository.findByVersion(work.tx, kind, upload.name, upload.version);
          if (existing && existing.sha256 !== staged.sha256) throw new ContentExistsError(kind, upload.name, upload.version);
          const now = this.clock.now();
          await staged.keep(work.tx, await this.repository.insertBlob(work.tx, staged.sha256, staged.size, now));
          if (existing) {
            work.target(existing.id);
            work.message = 'Already uploaded with the same content.';
            return { item: existing, created: false };
          }
          const item = await this.repository.insert(work.tx, {
            ...upload,
            kind,
            sha256: staged.sha256,
            size: staged.size,
            uploadedBy: actorName(meta.actor),
            uploadedAt: now,
          });
          work.target(item.id);
          return { item, created: true };
        },
      );
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  findMany(ids: string[]): Promise<ContentItemRow[]> {
    return this.repository.findMany(this.db, ids);
  }

  /** Items whose bytes have one of these hashes (several items may share bytes). */
  withSha256s(sha256s: readonly string[]): Promise<ContentItemRow[]> {
    return this.repository.withSha256s(this.db, sha256s);
  }

  async find(id: string): Promise<ContentItemRow | undefined> {
    return this.repository.find(this.db, validateId(id));
  }

  async list(filter: ContentFilter, pageArgs: PageArgs): Promise<Page<ContentItemRow>> {
    const request = checkPage(pageArgs, 2);
    if (filter.search) validateText(filter.search, 'search', 200);
    const rows = await this.repository.list(this.db, filter, request.first + 1, request.after as [string, string] | null);
    return toPage(
      rows,
      request,
      (row) => [row.uploadedAt.toISOString(), row.id],
      () => this.repository.count(this.db, filter),
    );
  }

  /** The bytes of an item, streamed. */
  read(item: ContentItemRow): AsyncIterable<Uint8Array> {
    return this.store.read(item.sha256);
  }

  /** Deletes an item; its bytes go too when no other item names them. */
  async remove(meta: RequestMeta, id: string): Promise<{ id: string; name: string }> {
    const itemId = validateId(id);
    return this.transactor.run(meta, { action: 'content.delete', targetType: 'content', targetId: itemId }, async (work) => {
      const item = await this.repository.find(work.tx, itemId);
      if (!item) throw new NotFoundError('content item', itemId);
      const baselines = await this.usage.baselinesListing(work.tx, itemId);
      const deployments = await this.usage.deploymentsOf(work.tx, itemId);
      if (baselines.length + deployments.length > 0) throw new ContentInUseError(`${item.name} ${item.version}`, baselines, deployments);
      await this.repository.delete(work.tx, itemId);
      if (await this.repository.deleteBlobIfUnused(work.tx, item.sha256)) await this.store.remove(work.tx, item.sha256);
      return { id: item.id, name: `${item.name} ${item.version}` };
    });
  }
}
