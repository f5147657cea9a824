import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { asc, count, gt, like, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { contentChunks } from '../../api/src/modules/content/content.table.ts';
import { personToken } from '../helpers/accounts.ts';
import { uploadContent } from '../helpers/content.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

// Above the 4 MiB chunks of the PostgreSQL store, so refused and cut-off uploads have written some.
const MAX_UPLOAD = 12 * 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('content uploads', () => {
  let server: TestServer;
  let operator: string;
  let viewer: string;
  let agent: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxUploadBytes: String(MAX_UPLOAD) } });
    operator = await personToken(server, 'operator', 'OPERATOR');
    viewer = await personToken(server, 'viewer', 'VIEWER');
    agent = (await enrollManager(server, 'content-agents')).credential;
  });
  afterAll(() => server.stop());

  const upload = (query: Record<string, string>, body: BodyInit | null, token: string | null = operator, headers: Record<string, string> = {}) =>
    uploadContent(server, query, body, token, headers);

  const download = async (id: string, token = operator) => {
    const response = await fetch(`${server.url}/api/content/${id}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
  };

  const items = async (filter: Record<string, unknown> = {}) =>
    ok<any>(
      await server.gql(
        'query($f: ContentFilter) { contentItems(first: 100, filter: $f) { totalCount nodes { id kind name version sha256 size productKinds requiresRestart uploadedBy } } }',
        { f: filter },
        viewer,
      ),
    ).contentItems;

  /** Whether anything an upload streamed in is left outside the store: staged files, or staged chunks in PostgreSQL. */
  const leftovers = async () => {
    const staging = server.app.contentDirectory ? path.join(server.app.contentDirectory, '.staging') : null;
    const files = staging && fs.existsSync(staging) ? fs.readdirSync(staging).length : 0;
    const [{ chunks }] = await server.database.db.select({ chunks: count() }).from(contentChunks).where(like(contentChunks.key, 'upload:%'));
    return files + chunks;
  };

  const auditMark = async () => (await server.database.db.select({ last: max(auditLog.id) }).from(auditLog))[0].last ?? 0;
  const auditSince = (mark: number) => server.database.db.select().from(auditLog).where(gt(auditLog.id, mark)).orderBy(asc(auditLog.id));
  const auditRowsAfter = async (run: () => Promise<unknown>) => {
    const mark = await auditMark();
    await run();
    return auditSince(mark);
  };

  it('streams an upload in, stores it by its SHA-256, lists it and gives the same bytes back', async () => {
    const bytes = randomBytes(200 * 1024);
    const rows = await auditRowsAfter(async () => {
      const created = await upload(
        {
          kind: 'patch',
          name: 'hotfix-1.jar',
          version: '1.2.3+build.4',
          productKinds: 'esb, application-server',
          requiresRestart: 'true',
          description: 'Fixes the leak',
        },
        // A stream, sent chunked: the OC cannot know the size in advance.
        new ReadableStream({
          start(controller) {
            for (let offset = 0; offset < bytes.length; offset += 16 * 1024) controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
            controller.close();
          },
        }),
      );
      expect(created.status).toBe(201);
      expect(created.body.created).toBe(true);
      expect(created.body.item).toMatchObject({ kind: 'PATCH', name: 'hotfix-1.jar', version: '1.2.3+build.4', sha256: sha256(bytes), size: bytes.length });
    });
    expect(rows.map((row) => [row.action, row.actorName, row.result])).toEqual([['content.upload', 'operator', 'SUCCESS']]);
    expect(rows[0].args).toMatchObject({ name: 'hotfix-1.jar', sha256: sha256(bytes) });

    const listed = await items({ kind: 'PATCH' });
    expect(listed.nodes).toEqual([
      expect.objectContaining({
        name: 'hotfix-1.jar',
        sha256: sha256(bytes),
        size: bytes.length,
        productKinds: ['application-server', 'esb'],
        requiresRestart: true,
        uploadedBy: 'operator',
      }),
    ]);
    const fetched = await download(listed.nodes[0].id);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('x-content-sha256')).toBe(sha256(bytes));
    expect(sha256(fetched.bytes)).toBe(sha256(bytes));
    expect(await leftovers()).toBe(0);
  });

  it('keeps the same bytes once, answers a repeated upload with the item it has, and refuses other bytes under the same version', async () => {
    const bytes = randomBytes(5000);
    const first = await upload({ kind: 'ARTIFACT', name: 'app.war', version: '7' }, bytes);
    const copy = await upload({ kind: 'ARTIFACT', name: 'app-copy.war', version: '7' }, bytes);
    expect([first.status, copy.status]).toEqual([201, 201]);
    expect(copy.body.item.sha256).toBe(first.body.item.sha256);

    const again = await upload({ kind: 'ARTIFACT', name: 'app.war', version: '7' }, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, item: { id: first.body.item.id } });

    const other = await upload({ kind: 'ARTIFACT', name: 'app.war', version: '7' }, randomBytes(5000));
    expect(other.status).toBe(409);
    expect(other.body.errors[0].extensions.code).toBe('CONTENT_EXISTS');
    expect((await items({ search: 'app' })).totalCount).toBe(2);

    // Deleting one item keeps the bytes the other names.
    const deleted = ok<any>(
      await server.gql(`mutation { deleteContentItem(id: "${first.body.item.id}") { __typename ... on Removed { name } } }`, {}, operator),
    );
    expect(deleted.deleteContentItem).toEqual({ __typename: 'Removed', name: 'app.war 7' });
    expect((await download(first.body.item.id)).status).toBe(404);
    expect(sha256((await download(copy.body.item.id)).bytes)).toBe(sha256(bytes));
    expect(await leftovers()).toBe(0);
  });

  it('refuses an upload over the size limit, by its announced length or as it streams, and keeps nothing of it', async () => {
    const before = (await items()).totalCount;
    const announced = await upload({ kind: 'PATCH', name: 'big.jar', version: '1' }, randomBytes(MAX_UPLOAD + 1));
    expect(announced.status).toBe(413);
    expect(announced.body.errors[0].extensions.code).toBe('CONTENT_TOO_LARGE');

    const streamed = await upload(
      { kind: 'PATCH', name: 'big.jar', version: '1' },
      new ReadableStream({
        pull(controller) {
          controller.enqueue(randomBytes(64 * 1024));
        },
      }),
    );
    expect(streamed.status).toBe(413);
    expect((await items()).totalCount).toBe(before);
    expect(await leftovers()).toBe(0);
  });

  it('refuses names that are paths, control characters and bad versions or kinds with typed errors, before reading the body', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ kind: 'PATCH', name: '../../etc/passwd', version: '1' }, 'INVALID_NAME', 'name'],
      [{ kind: 'PATCH', name: 'dir/file.jar', version: '1' }, 'INVALID_NAME', 'name'],
      [{ kind: 'PATCH', name: 'dir\\file.jar', version: '1' }, 'INVALID_NAME', 'name'],
      [{ kind: 'PATCH', name: '..', version: '1' }, 'INVALID_NAME', 'name'],
      [{ kind: 'PATCH', name: 'bell\u0007.jar', version: '1' }, 'INVALID_NAME', 'name'],
      [{ kind: 'PATCH', name: '', version: '1' }, 'INVALID_NAME', 'name'],
      [{ kind: 'PATCH', name: 'ok.jar', version: '1 2' }, 'INVALID_ARGUMENT', 'version'],
      [{ kind: 'PATCH', name: 'ok.jar', version: '../1' }, 'INVALID_ARGUMENT', 'version'],
      [{ kind: 'SCRIPT', name: 'ok.jar', version: '1' }, 'INVALID_ARGUMENT', 'kind'],
      [{ kind: 'PATCH', name: 'ok.jar', version: '1', requiresRestart: 'maybe' }, 'INVALID_ARGUMENT', 'requiresRestart'],
      [{ kind: 'PATCH', name: 'ok.jar', version: '1', productKinds: 'esb,../x' }, 'INVALID_ARGUMENT', 'productKinds'],
    ];
    const before = (await items()).totalCount;
    for (const [query, code, field] of cases) {
      const refused = await upload(query, randomBytes(100));
      expect([refused.status, refused.body.errors[0].extensions], JSON.stringify(query)).toEqual([400, { code, field }]);
    }
    const wrongType = await upload({ kind: 'PATCH', name: 'ok.jar', version: '1' }, 'text', operator, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(400);
    expect((await items()).totalCount).toBe(before);
    expect(await leftovers()).toBe(0);
  });

  it('lets only operators upload and download: viewers, agents and anonymous callers are refused and audited', async () => {
    const query = { kind: 'PATCH', name: 'nope.jar', version: '1' };
    const rows = await auditRowsAfter(async () => {
      expect((await upload(query, randomBytes(10), viewer)).status).toBe(403);
      expect((await upload(query, randomBytes(10), agent)).status).toBe(403);
      const anonymous = await upload(query, randomBytes(10), null);
      expect([anonymous.status, anonymous.body.errors[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect((await upload(query, randomBytes(10), 'ocs_not-a-token')).status).toBe(401);
    });
    expect(rows.map((row) => [row.action, row.actorType, row.result])).toEqual([
      ['content.upload', 'USER', 'DENIED'],
      ['content.upload', 'AGENT', 'DENIED'],
      ['content.upload', 'ANONYMOUS', 'DENIED'],
    ]);
    const kept = await upload({ kind: 'CONFIG', name: 'app.conf', version: '1' }, 'port = 8080\n');
    expect((await download(kept.body.item.id, viewer)).status).toBe(403);
    expect((await items({ search: 'nope' })).totalCount).toBe(0);
  });

  it('leaves no item and no bytes behind when an upload is cut off', async () => {
    const before = (await items()).totalCount;
    const mark = await auditMark();
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/content?kind=PATCH&name=cut.jar&version=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${operator}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.write(randomBytes(9 * 1024 * 1024), () => resolve()));
    // Cut off once part of it is staged, so the test sees that part cleared away.
    await eventually(async () => expect(await leftovers()).toBeGreaterThan(0));
    socket.destroy();
    await eventually(async () => expect(await auditSince(mark)).toHaveLength(1));
    const rows = await auditSince(mark);
    expect(rows.map((row) => [row.action, row.result])).toEqual([['content.upload', 'ERROR']]);
    expect((await items()).totalCount).toBe(before);
    expect(await leftovers()).toBe(0);
  });
});

describe('uploads without credentials', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { anonymousMutationsPerMinute: '3' } });
  });
  afterAll(() => server.stop());

  it('are limited per address as GraphQL calls are, so refusals cannot flood the audit log', async () => {
    const [{ last }] = await server.database.db.select({ last: max(auditLog.id) }).from(auditLog);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const refused = await uploadContent(server, { kind: 'PATCH', name: 'x.jar', version: '1' }, 'x', null);
      statuses.push(refused.status);
      if (refused.status === 429) expect(refused.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    }
    // Three per minute, and the test server's own admin login was the first.
    expect(statuses).toEqual([401, 401, 429, 429, 429, 429]);
    const rows = await server.database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, last ?? 0))
      .orderBy(asc(auditLog.id));
    expect(rows.map((row) => [row.action, row.result])).toEqual([
      ['content.upload', 'DENIED'],
      ['content.upload', 'DENIED'],
      ['throttle.anonymous', 'DENIED'],
    ]);
  });
});
