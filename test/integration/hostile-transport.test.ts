import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersistentDatabase } from '../helpers/database.ts';
import { gql, ok } from '../helpers/gql.ts';
import { freePort, type RunningProcess, runOpscenter } from '../helpers/process.ts';
import { frame, rawConnect, upgradeRequest } from '../helpers/raw-socket.ts';

const ADMIN_PASSWORD = 'supplied-admin-password-42';

/**
 * Requests and frames no well-behaved client sends, against the OC in its own process: none of
 * them may end the process, and each gets a refusal of its own.
 */
describe('hostile requests against opscenter serve', () => {
  let dataDir: string;
  let storage: Awaited<ReturnType<typeof createPersistentDatabase>>;
  let port: number;
  let oc: RunningProcess;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-hostile-'));
    storage = await createPersistentDatabase(path.join(dataDir, 'data'));
    port = await freePort();
    oc = runOpscenter(['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', path.join(dataDir, 'data')], {
      DATABASE_URL: storage.url,
      OPSCENTER_INITIAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    await oc.waitFor(/listening on/, 120_000);
  });
  afterAll(async () => {
    oc.child.kill('SIGKILL');
    await oc.exited;
    await storage.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const stillAnswers = async () => {
    expect(oc.child.exitCode, oc.output()).toBeNull();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const login = ok<any>(
      await gql(`http://127.0.0.1:${port}`, 'mutation($p: String!) { login(username: "admin", password: $p) { __typename } }', { p: ADMIN_PASSWORD }),
    );
    expect(login.login.__typename).toBe('Session');
  };

  it('logs that a supplied admin password was used, never the password itself', () => {
    expect(oc.output()).toMatch(/created user \\"admin\\" with the password from OPSCENTER_INITIAL_ADMIN_PASSWORD/);
    expect(oc.output()).not.toContain(ADMIN_PASSWORD);
  });

  it.each(['null', 'x', 'http://[', 'http://evil.example', '', 'http://127.0.0.1:1'])(
    'refuses a WebSocket upgrade from origin %j with 403 and keeps running',
    async (origin) => {
      const connection = await rawConnect(port);
      connection.socket.write(upgradeRequest(port, { Origin: origin }));
      const answer = await connection.waitFor(/\r\n\r\n/);
      expect(answer).toMatch(/^HTTP\/1\.1 403/);
      connection.socket.destroy();
      await stillAnswers();
    },
  );

  it('answers malformed HTTP with 400 and keeps running', async () => {
    for (const request of [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ]) {
      const connection = await rawConnect(port);
      connection.socket.write(request);
      const answer = await connection.waitFor(/\r\n\r\n/);
      expect(answer, JSON.stringify(request.slice(0, 60))).toMatch(/^HTTP\/1\.1 4\d\d/);
      connection.socket.destroy();
    }
    await stillAnswers();
  });

  const malformedFrames: [string, Buffer][] = [
    ['invalid UTF-8 in a text frame', frame(Buffer.from([0xff, 0xfe, 0xfd]))],
    ['reserved bits without an extension', frame('{}', { rsv: 4 })],
    ['an unmasked client frame', frame('{}', { masked: false })],
    ['an unknown opcode', frame('{}', { opcode: 0x3 })],
    ['a fragmented control frame', frame('', { opcode: 0x9, fin: false })],
    ['a frame declaring 1 TB', frame(Buffer.alloc(8), { declaredLength: 2 ** 40 })],
    ['a binary frame', frame(Buffer.from([1, 2, 3]), { opcode: 0x2 })],
    ['text that is not JSON', frame('this is not json')],
    ['a message of an unknown type', frame(JSON.stringify({ type: 'shutdown' }))],
    ['a subscribe before connection_init', frame(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ viewer { name } }' } }))],
    ['a close frame with an invalid code', frame(Buffer.from([0x03, 0xe7]), { opcode: 0x8 })],
  ];

  it.each(malformedFrames)('closes a socket that sends %s and keeps running', async (_name, bytes) => {
    const connection = await rawConnect(port);
    connection.socket.write(upgradeRequest(port));
    expect(await connection.waitFor(/\r\n\r\n/)).toMatch(/^HTTP\/1\.1 101/);
    connection.socket.write(bytes);
    await Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, 3_500))]);
    connection.socket.destroy();
    await stillAnswers();
  });
});
