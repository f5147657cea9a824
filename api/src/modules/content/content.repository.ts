import { and, count, desc, eq, ilike, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf } from '../../shared/batching.ts';
import { type ContentItemRow, type ContentKind, contentBlobs, contentChunks, contentItems } from './content.table.ts';

export interface ContentFilter {
  kind?: ContentKind | null;
  search?: string | null;
}

export class ContentRepository {
  async find(db: Executor, id: string): Promise<ContentItemRow | undefined> {
    const [row] = await db.select().from(contentItems).where(eq(contentItems.id, id));
    return row;
  }

  async findMany(db: Executor, ids: string[]): Promise<ContentItemRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(contentItems).where(anyOf(contentItems.id, ids));
  }

  /** Newest upload first, so that a caller picking one of several takes the latest. */
  async withSha256s(db: Executor, sha256s: readonly string[]): Promise<ContentItemRow[]> {
    if (sha256s.length === 0) return [];
    return db.select().from(contentItems).where(anyOf(contentItems.sha256, sha256s)).orderBy(desc(contentItems.uploadedAt), desc(contentItems.id));
  }

  async findByVersion(db: Executor, kind: ContentKind, name: string, version: string): Promise<ContentItemRow | undefined> {
    const [row] = await db
      .select()
      .from(contentItems)
      .where(and(eq(contentItems.kind, kind), eq(contentItems.name, name), eq(contentItems.version, version)));
    return row;
  }

  /** Items newest first, after a keyset cursor of (uploadedAt, id). */
  async list(db: Executor, filter: ContentFilter, limit: number, after: [string, string] | null): Promise<ContentItemRow[]> {
    return db
      .select()
      .from(contentItems)
      .where(
        and(
          this.#matching(filter),
          after
            ? or(lt(contentItems.uploadedAt, new Date(after[0])), and(eq(contentItems.uploadedAt, new Date(after[0])), lt(contentItems.id, after[1])))
            : undefined,
        ),
      )
      .orderBy(desc(contentItems.uploadedAt), desc(contentItems.id))
      .limit(limit);
  }

  async count(db: Executor, filter: ContentFilter): Promise<number> {
    const [row] = await db.select({ value: count() }).from(contentItems).where(this.#matching(filter));
    return row.value;
  }

  #matching(filter: ContentFilter): SQL | undefined {
    const pattern = filter.search ? `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    return and(
      filter.kind ? eq(contentItems.kind, filter.kind) : undefined,
      pattern ? or(ilike(contentItems.name, pattern), ilike(contentItems.version, pattern), ilike(contentItems.description, pattern)) : undefined,
    );
  }

  async insert(tx: Executor, values: typeof contentItems.$inferInsert): Promise<ContentItemRow> {
    const [row] = await tx.insert(contentItems).values(values).returning();
    return row;
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.delete(contentItems).where(eq(contentItems.id, id));
  }

  /** Records a blob; false when it was already there (its bytes are stored already). */
  async insertBlob(tx: Executor, sha256: string, size: number, at: Date): Promise<boolean> {
    const inserted = await tx.insert(contentBlobs).values({ sha256, size, storedAt: at }).onConflictDoNothing().returning({ sha256: contentBlobs.sha256 });
    return inserted.length > 0;
  }

  /** Forgets a blob no item names any more; true when it did (its bytes may go). */
  async deleteBlobIfUnused(tx: Executor, sha256: string): Promise<boolean> {
    const deleted = await tx
      .delete(contentBlobs)
      .where(and(eq(contentBlobs.sha256, sha256), sql`not exists (select 1 from ${contentItems} where ${contentItems.sha256} = ${sha256})`))
      .returning({ sha256: contentBlobs.sha256 });
    return deleted.length > 0;
  }

  // --- chunks, for the PostgreSQL blob store ---

  async insertChunk(db: Executor, key: string, seq: number, data: Buffer, at: Date): Promise<void> {
    await db.insert(contentChunks).values({ key, seq, data, writtenAt: at });
  }

  async chunk(db: Executor, key: string, seq: number): Promise<Buffer | null> {
    const [row] = await db
      .select({ data: contentChunks.data })
      .from(contentChunks)
      .where(and(eq(contentChunks.key, key), eq(contentChunks.seq, seq)));
    return row?.data ?? null;
  }

  async renameChunks(tx: Executor, from: string, to: string): Promise<void> {
    await tx.update(contentChunks).set({ key: to }).where(eq(contentChunks.key, from));
  }

  async deleteChunks(db: Executor, key: string): Promise<void> {
    await db.delete(contentChunks).where(eq(contentChunks.key, key));
  }

  /** Chunks of uploads that never finished (the OC stopped mid-upload), written before `before`. */
  async deleteStaleStagedChunks(db: Executor, prefix: string, before: Date): Promise<void> {
    await db.delete(contentChunks).where(and(sql`${contentChunks.key} like ${`${prefix}%`}`, lt(contentChunks.writtenAt, before)));
  }
}
