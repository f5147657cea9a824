import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileHasher, inventoryDigest } from '../../agent/src/drivers/inventory.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('FileHasher', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const scratch = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-'));
    dirs.push(dir);
    for (const sub of ['patches', 'deploy', 'conf']) fs.mkdirSync(path.join(dir, sub));
    return dir;
  };

  it('lists patches, artifacts and config files with their kind, hash and size, skipping hidden and missing files', async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'patches', 'fix.jar'), 'fix');
    fs.writeFileSync(path.join(dir, 'patches', '.partial'), 'ignored');
    fs.writeFileSync(path.join(dir, 'deploy', 'app.war'), 'app');
    fs.writeFileSync(path.join(dir, 'conf', 'server.xml'), '<server/>');
    const items = await new FileHasher().installed({
      patchesDir: path.join(dir, 'patches'),
      artifactsDir: path.join(dir, 'deploy'),
      configFiles: [path.join(dir, 'conf', 'server.xml'), path.join(dir, 'conf', 'absent.xml')],
    });
    expect(items.map(({ kind, name, sha256: hash, size }) => ({ kind, name, hash, size }))).toEqual([
      { kind: 'PATCH', name: 'fix.jar', hash: sha256('fix'), size: 3 },
      { kind: 'ARTIFACT', name: 'app.war', hash: sha256('app'), size: 3 },
      { kind: 'CONFIG', name: 'server.xml', hash: sha256('<server/>'), size: 9 },
    ]);
  });

  it('does not read a file again while its size and modification time stay the same', async () => {
    const dir = scratch();
    const file = path.join(dir, 'patches', 'fix.jar');
    // A whole second, which utimes sets exactly.
    const mtime = new Date('2026-12-01T10:00:00Z');
    fs.writeFileSync(file, 'one');
    fs.utimesSync(file, mtime, mtime);
    const hasher = new FileHasher();
    const sources = { patchesDir: path.join(dir, 'patches') };
    const first = await hasher.installed(sources);
    // Same size and time, other bytes: the cached hash stands, which shows the file was not read.
    fs.writeFileSync(file, 'two');
    fs.utimesSync(file, mtime, mtime);
    expect((await hasher.installed(sources))[0].sha256).toBe(first[0].sha256);
    fs.utimesSync(file, mtime, new Date(mtime.getTime() + 5_000));
    expect((await hasher.installed(sources))[0].sha256).toBe(sha256('two'));
  });
});

describe('inventoryDigest', () => {
  const item = (name: string, hash = 'a') => ({ kind: 'PATCH' as const, name, sha256: hash, size: 1, modifiedAt: '2026-12-01T00:00:00.000Z' });

  it('does not depend on the order of items, and tells apart unknown from nothing loaded', () => {
    const inventory = { name: 'w', installed: [item('a'), item('b')], loaded: [] };
    expect(inventoryDigest({ ...inventory, installed: [item('b'), item('a')] })).toBe(inventoryDigest(inventory));
    expect(inventoryDigest({ ...inventory, installed: [item('a'), item('b', 'c')] })).not.toBe(inventoryDigest(inventory));
    expect(inventoryDigest({ ...inventory, loaded: null })).not.toBe(inventoryDigest(inventory));
  });
});
