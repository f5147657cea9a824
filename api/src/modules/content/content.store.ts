import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import { ContentTooLargeError } from './content.errors.ts';
import type { ContentRepository } from './content.repository.ts';

/** Bytes that have streamed in and been hashed, not yet part of the store. */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** Makes the bytes the blob `sha256`, within the transaction that records the item (`isNew`: no blob had them yet). */
  keep(tx: Executor, isNew: boolean): Promise<void>;
  /** Throws the bytes away (the upload failed or was refused). */
  discard(): Promise<void>;
}

/**
 * Where content bytes live, stored once by their SHA-256: files in the data directory on the
 * embedded database, chunks in PostgreSQL otherwise, so that every OC on one database sees them.
 */
export interface BlobStore {
  /** Streams `body` in while hashing it; refuses it (ContentTooLargeError) as soon as it passes `maxBytes`. */
  stage(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob>;
  read(sha256: string): AsyncIterable<Uint8Array>;
  /**
   * Removes the bytes of a blob no item names any more, within the transaction that forgets it, so
   * that an upload of the same bytes committing right after keeps its copy.
   */
  remove(tx: Executor, sha256: string): Promise<void>;
}

/** Counts and hashes what passes through, and refuses more than `maxBytes`. */
async function* metered(body: AsyncIterable<Uint8Array>, maxBytes: number, hash: ReturnType<typeof createHash>, size: { bytes: number }) {
  for await (const chunk of body) {
    size.bytes += chunk.length;
    if (size.bytes > maxBytes) throw new ContentTooLargeError(maxBytes);
    hash.update(chunk);
    yield chunk;
  }
}

export class FileBlobStore implements BlobStore {
  readonly #staging: string;

  constructor(private readonly directory: string) {
    this.#staging = path.join(directory, '.staging');
  }

  #pathOf(sha256: string): string {
    return path.join(this.directory, sha256.slice(0, 2), sha256);
  }

  async stage(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob> {
    await fs.promises.mkdir(this.#staging, { recursive: true });
    const staged = path.join(this.#staging, randomUUID());
    const hash = createHash('sha256');
    const size = { bytes: 0 };
    try {
      await pipeline(metered(body, maxBytes, hash, size), fs.createWriteStream(staged, { flags: 'wx', mode: 0o600, flush: true }));
    } catch (error) {
      await fs.promises.rm(staged, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    return {
      sha256,
      size: size.bytes,
      keep: async () => {
        const target = this.#pathOf(sha256);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        // Same bytes under the same name: replacing a file that is already there changes nothing.
        await fs.promises.rename(staged, target);
      },
      discard: () => fs.promises.rm(staged, { force: true }),
    };
  }

  async *read(sha256: string): AsyncIterable<Uint8Array> {
    yield* fs.createReadStream(this.#pathOf(sha256));
  }

  async remove(_tx: Executor, sha256: string): Promise<void> {
    await fs.promises.rm(this.#pathOf(sha256), { force: true });
  }

  /** Uploads the OC was stopped in the middle of. */
  async removeStaged(): Promise<void> {
    await fs.promises.rm(this.#staging, { recursive: true, force: true });
  }
}

/** Rows of about this many bytes: few round trips for a large upload, and a few of them fit in memory at once. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const PARALLEL_WRITES = 3;
const STAGING_PREFIX = 'upload:';

export class DatabaseBlobStore implements BlobStore {
  constructor(
    private readonly db: Database,
    private readonly repository: ContentRepository,
    private readonly clock: Clock,
  ) {}

  async stage(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedBlob> {
    const key = `${STAGING_PREFIX}${randomUUID()}`;
    const hash = createHash('sha256');
    const size = { bytes: 0 };
    let seq = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    // A few chunks are written at once, so the next one streams in while the database stores the last.
    const writing = new Set<Promise<void>>();
    const flush = async () => {
      if (pendingBytes === 0) return;
      const write: Promise<void> = this.repository
        .insertChunk(this.db, key, seq++, Buffer.concat(pending, pendingBytes), this.clock.now())
        .finally(() => writing.delete(write));
      // Observed here so a failure while the body is still streaming is not an unhandled rejection; awaited below.
      write.catch(() => {});
      writing.add(write);
      pending = [];
      pendingBytes = 0;
      if (writing.size >= PARALLEL_WRITES) await Promise.race(writing);
    };
    try {
      for await (const chunk of metered(body, maxBytes, hash, size)) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();
      await Promise.all(writing);
    } catch (error) {
      await Promise.allSettled(writing);
      await this.repository.deleteChunks(this.db, key);
      throw error;
    }
    const sha256 = hash.digest('hex');
    return {
      sha256,
      size: size.bytes,
      keep: (tx, isNew) => (isNew ? this.repository.renameChunks(tx, key, sha256) : this.repository.deleteChunks(tx, key)),
      discard: () => this.repository.deleteChunks(this.db, key),
    };
  }

  async *read(sha256: string): AsyncIterable<Uint8Array> {
    for (let seq = 0; ; seq++) {
      const data = await this.repository.chunk(this.db, sha256, seq);
      if (!data) return;
      yield data;
    }
  }

  async remove(tx: Executor, sha256: string): Promise<void> {
    await this.repository.deleteChunks(tx, sha256);
  }

  /** Uploads an OC was stopped in the middle of; a day old, so none still streaming into another OC on this database. */
  async removeStaged(): Promise<void> {
    await this.repository.deleteStaleStagedChunks(this.db, STAGING_PREFIX, new Date(this.clock.now().getTime() - 24 * 3600_000));
  }
}
