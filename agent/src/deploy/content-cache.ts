import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CredentialRefusedError, OcRefusedError } from '../api-client.ts';
import { Backoff, sleep } from '../shared/backoff.ts';
import type { DeployFile } from '../shared/deploy-protocol.ts';

/** Where content items come from: the OC's download endpoint. */
export interface ContentSource {
  downloadContent(contentId: string): Promise<Readable>;
}

/** A file could not be had with the bytes the command names; nothing on the worker was touched. */
export class ContentDownloadError extends Error {}

/** How long a cached file is kept after its last use: longer than any operation that could deploy it again. */
export const CACHE_RETENTION_MS = 7 * 86_400_000;

const SHA256 = /^[0-9a-f]{64}$/;

/** How long a download cut off by the network or an OC restart is tried again before the deploy fails. */
const RETRY_FOR_MS = 60_000;

/** A download that failed on the way (the OC restarting, a connection reset) rather than by the OC's or the bytes' verdict. */
const isTransient = (error: unknown) => !(error instanceof ContentDownloadError || error instanceof OcRefusedError || error instanceof CredentialRefusedError);

/**
 * The files DEPLOY commands install, kept by SHA-256 on the manager's disk. An item is downloaded
 * once per cluster, however many workers receive it and however many commands name it, and is
 * only kept when its bytes hash to what the OC said: a worker never gets a corrupt or swapped file.
 */
export class ContentCache {
  /** Downloads in progress by hash, so that workers deployed at the same time share one. */
  readonly #pending = new Map<string, Promise<string>>();

  constructor(
    readonly dir: string,
    private readonly source: ContentSource,
    private readonly now: () => number = Date.now,
  ) {}

  /** The path of a cached file holding exactly the bytes `file` names, downloading or decoding them if needed. */
  fetch(file: DeployFile): Promise<string> {
    const sha256 = file.sha256.toLowerCase();
    if (!SHA256.test(sha256)) return Promise.reject(new ContentDownloadError(`${file.name}: "${file.sha256}" is not a SHA-256`));
    const cached = path.join(this.dir, sha256);
    if (fs.existsSync(cached)) {
      this.#touch(cached);
      return Promise.resolve(cached);
    }
    const pending = this.#pending.get(sha256) ?? this.#store(file, sha256, cached).finally(() => this.#pending.delete(sha256));
    this.#pending.set(sha256, pending);
    return pending;
  }

  /** Deletes files not used for `maxAgeMs`, and leftovers of downloads that were cut short. */
  prune(maxAgeMs = CACHE_RETENTION_MS): void {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.dir, { withFileTypes: true });
    } catch {
      return;
    }
    const cutoff = this.now() - maxAgeMs;
    for (const entry of entries) {
      const file = path.join(this.dir, entry.name);
      try {
        // A partial download belongs to no one once an hour has passed; the running ones are younger.
        const limit = entry.name.endsWith('.part') ? this.now() - 3_600_000 : cutoff;
        if (entry.isFile() && fs.statSync(file).mtimeMs < limit) fs.rmSync(file, { force: true });
      } catch {
        // Gone already.
      }
    }
  }

  /** Downloads again, with backoff, after a failure on the way; a refusal or wrong bytes end it at once. */
  async #store(file: DeployFile, sha256: string, cached: string): Promise<string> {
    const giveUpAt = this.now() + RETRY_FOR_MS;
    const backoff = new Backoff(250, 5_000);
    for (;;) {
      try {
        return await this.#download(file, sha256, cached);
      } catch (error) {
        if (!isTransient(error) || this.now() >= giveUpAt) {
          if (error instanceof ContentDownloadError) throw error;
          throw new ContentDownloadError(`${file.name}: could not download it: ${(error as Error).message}`);
        }
        await sleep(backoff.next());
      }
    }
  }

  async #download(file: DeployFile, sha256: string, cached: string): Promise<string> {
    fs.mkdirSync(this.dir, { recursive: true });
    const partial = path.join(this.dir, `.${sha256}.${randomUUID()}.part`);
    try {
      const hash = createHash('sha256');
      let size = 0;
      const output = fs.createWriteStream(partial, { flags: 'wx' });
      const write = (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        return new Promise<void>((resolve, reject) => output.write(chunk, (error) => (error ? reject(error) : resolve())));
      };
      try {
        if (file.inline !== null) await write(Buffer.from(file.inline, 'base64'));
        else if (file.contentId !== null) for await (const chunk of await this.source.downloadContent(file.contentId)) await write(chunk as Buffer);
        else throw new ContentDownloadError(`${file.name}: the command gives neither its content nor where to download it`);
      } finally {
        await new Promise<void>((resolve, reject) => output.close((error) => (error ? reject(error) : resolve())));
      }
      const actual = hash.digest('hex');
      if (size !== file.size || actual !== sha256) {
        throw new ContentDownloadError(
          `${file.name}: the hash of the downloaded bytes did not match (got sha256 ${actual}, ${size} bytes; expected sha256 ${sha256}, ${file.size} bytes)`,
        );
      }
      const handle = fs.openSync(partial, 'r');
      fs.fsyncSync(handle);
      fs.closeSync(handle);
      fs.renameSync(partial, cached);
      return cached;
    } catch (error) {
      fs.rmSync(partial, { force: true });
      throw error;
    }
  }

  /** Marks a cached file as used, so that pruning keeps it. */
  #touch(file: string): void {
    const at = new Date(this.now());
    try {
      fs.utimesSync(file, at, at);
    } catch {
      // Read-only or pruned meanwhile: it is downloaded again if it is gone.
    }
  }
}
