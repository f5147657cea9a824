import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CredentialRefusedError, OcClient, OcRefusedError, OcUnavailableError } from '../../agent/src/api-client.ts';
import { ContentCache, ContentDownloadError } from '../../agent/src/deploy/content-cache.ts';
import type { DeployFile } from '../../agent/src/shared/deploy-protocol.ts';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A stand-in for the OC's download endpoint: serves `items` by content id to the right bearer, counting requests. */
function contentServer(items: Record<string, Buffer>) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').replace(/^\/api\/content\//, ''));
    requests.push(id);
    const refuse = (status: number, code: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: `refused: ${code}`, extensions: { code } }] }));
    if (req.headers.authorization !== 'Bearer agent-credential') return refuse(401, 'UNAUTHENTICATED');
    if (id === 'forbidden') return refuse(403, 'CONTENT_NOT_IN_COMMAND');
    if (id === 'broken') return res.writeHead(500).end('boom');
    // Fails twice, as an OC restarting would, then serves the bytes.
    if (id === 'flaky' && requests.filter((each) => each === 'flaky').length <= 2) return res.writeHead(503).end('starting');
    if (id === 'flaky') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(items.hotfix);
    const bytes = items[id];
    if (!bytes) return refuse(404, 'NOT_FOUND');
    // Two chunks, a little apart, so that downloads at the same time overlap.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(bytes.subarray(0, 1));
    setTimeout(() => res.end(bytes.subarray(1)), 30);
  });
  return { server, requests };
}

describe('ContentCache', () => {
  const payload = Buffer.from('the bytes of hotfix-17.jar\n');
  const { server, requests } = contentServer({ hotfix: payload, swapped: Buffer.from('not the bytes the OC hashed') });
  let client: OcClient;
  const dirs: string[] = [];

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new OcClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    client.credential = 'agent-credential';
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    requests.length = 0;
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const cacheDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'content-cache-'));
    dirs.push(dir);
    return path.join(dir, 'content-cache');
  };
  const item = (contentId: string, bytes: Buffer = payload): DeployFile => ({
    kind: 'PATCH',
    name: 'hotfix-17.jar',
    sha256: sha256(bytes),
    size: bytes.length,
    contentId,
    inline: null,
  });

  it('downloads an item once, however many workers want it at the same time, and serves it from disk afterwards', async () => {
    const dir = cacheDir();
    const cache = new ContentCache(dir, client);
    const paths = await Promise.all(Array.from({ length: 5 }, () => cache.fetch(item('hotfix'))));
    expect(new Set(paths)).toEqual(new Set([path.join(dir, sha256(payload))]));
    expect(fs.readFileSync(paths[0])).toEqual(payload);
    // Another cache on the same directory (the agent restarted): still no download.
    expect(await new ContentCache(dir, client).fetch(item('hotfix'))).toBe(paths[0]);
    expect(requests).toEqual(['hotfix']);
  });

  it('refuses bytes whose hash does not match, keeping nothing of them', async () => {
    const dir = cacheDir();
    const cache = new ContentCache(dir, client);
    // The OC serves other bytes than the hash the command names.
    const error = await cache.fetch(item('swapped')).catch((caught) => caught);
    expect(error).toBeInstanceOf(ContentDownloadError);
    expect(error.message).toMatch(/hotfix-17\.jar: the hash of the downloaded bytes did not match/);
    expect(fs.readdirSync(dir)).toEqual([]);
    // A size that differs is refused too, even with the right bytes.
    await expect(cache.fetch({ ...item('hotfix'), size: payload.length + 1 })).rejects.toThrow(/did not match/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('decodes inline content (rendered config files) without asking the OC', async () => {
    const config = Buffer.from('threads=16\n');
    const cache = new ContentCache(cacheDir(), client);
    const file = await cache.fetch({
      kind: 'CONFIG',
      name: 'app.properties',
      sha256: sha256(config),
      size: config.length,
      contentId: null,
      inline: config.toString('base64'),
    });
    expect(fs.readFileSync(file)).toEqual(config);
    expect(requests).toEqual([]);
  });

  it('turns a refused or failed download into a download error', async () => {
    const cache = new ContentCache(cacheDir(), client);
    await expect(cache.fetch(item('forbidden'))).rejects.toThrow(/could not download it: refused: CONTENT_NOT_IN_COMMAND/);
    await expect(cache.fetch(item('absent'))).rejects.toBeInstanceOf(ContentDownloadError);
  });

  it('downloads again after a failure on the way (the OC restarting), but not after a refusal', async () => {
    const cache = new ContentCache(cacheDir(), client);
    expect(fs.readFileSync(await cache.fetch(item('flaky')))).toEqual(payload);
    expect(requests.filter((id) => id === 'flaky')).toHaveLength(3);
    await expect(cache.fetch(item('forbidden', Buffer.from('bytes this manager may not have')))).rejects.toBeInstanceOf(ContentDownloadError);
    expect(requests.filter((id) => id === 'forbidden')).toHaveLength(1);
  });

  it('prunes files not used for seven days, and keeps the others', async () => {
    const dir = cacheDir();
    let now = Date.now();
    const cache = new ContentCache(dir, client, () => now);
    const file = await cache.fetch(item('hotfix'));
    now += 6 * 86_400_000;
    // Used again: its clock starts over.
    await cache.fetch(item('hotfix'));
    now += 6 * 86_400_000;
    cache.prune();
    expect(fs.existsSync(file)).toBe(true);
    now += 2 * 86_400_000;
    cache.prune();
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('OcClient.downloadContent', () => {
  const { server } = contentServer({ hotfix: Buffer.from('x') });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('maps the OC’s answers to the agent’s errors', async () => {
    const client = new OcClient(url);
    client.credential = 'agent-credential';
    const error = await client.downloadContent('forbidden').catch((caught) => caught);
    expect(error).toBeInstanceOf(OcRefusedError);
    expect(error.code).toBe('CONTENT_NOT_IN_COMMAND');
    await expect(client.downloadContent('absent')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.downloadContent('broken')).rejects.toBeInstanceOf(OcUnavailableError);
    client.credential = 'revoked';
    await expect(client.downloadContent('hotfix')).rejects.toBeInstanceOf(CredentialRefusedError);
    await expect(new OcClient('http://127.0.0.1:1').downloadContent('hotfix')).rejects.toBeInstanceOf(OcUnavailableError);
  });
});
