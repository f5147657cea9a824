import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { agentConfigSchema, type ProcessWorkerConfig } from '../../agent/src/config.ts';
import { FileHasher, inventoryDigest, parseReportedLoad } from '../../agent/src/drivers/inventory.ts';
import { INVENTORY_COMMAND_MAX_OUTPUT, runInventoryCommand } from '../../agent/src/drivers/inventory-command.ts';
import { ProcessDriver } from '../../agent/src/drivers/process.driver.ts';

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

  it('changes with the tenants and their statuses, not with their order, and tells apart none reported from none hosted', () => {
    const inventory = {
      name: 'w',
      installed: [item('a')],
      loaded: [],
      tenants: [
        { name: 'acme', status: 'running' },
        { name: 'globex', status: null },
      ],
    };
    expect(inventoryDigest({ ...inventory, tenants: [...inventory.tenants].reverse() })).toBe(inventoryDigest(inventory));
    expect(
      inventoryDigest({
        ...inventory,
        tenants: [
          { name: 'acme', status: 'stopped' },
          { name: 'globex', status: null },
        ],
      }),
    ).not.toBe(inventoryDigest(inventory));
    expect(inventoryDigest({ ...inventory, tenants: [] })).not.toBe(inventoryDigest({ ...inventory, tenants: null }));
    expect(inventoryDigest({ ...inventory, tenants: null })).toBe(inventoryDigest({ name: 'w', installed: [item('a')], loaded: [] }));
  });
});

describe('parseReportedLoad', () => {
  const hash = sha256('fix');
  const loaded = [{ kind: 'PATCH', name: 'fix.jar', sha256: hash }];

  it('reads a list of loaded items: no tenants to report', () => {
    expect(parseReportedLoad(loaded)).toEqual({ loaded, tenants: null });
    expect(parseReportedLoad([])).toEqual({ loaded: [], tenants: null });
  });

  it('reads { loaded, tenants }, keeping only the fields the protocol names', () => {
    expect(
      parseReportedLoad({
        loaded: [{ ...loaded[0], extra: 1 }],
        tenants: [{ name: 'acme', status: 'running' }, { name: 'globex' }, { name: 'initech', status: null, owner: 'x' }],
      }),
    ).toEqual({
      loaded,
      tenants: [
        { name: 'acme', status: 'running' },
        { name: 'globex', status: null },
        { name: 'initech', status: null },
      ],
    });
    expect(parseReportedLoad({ loaded })).toEqual({ loaded, tenants: null });
    expect(parseReportedLoad({ loaded, tenants: [] })).toEqual({ loaded, tenants: [] });
  });

  it('trusts nothing of an answer the protocol does not describe', () => {
    for (const body of [
      null,
      'PATCH fix.jar',
      42,
      [{ kind: 'LIBRARY', name: 'fix.jar', sha256: hash }],
      [{ kind: 'PATCH', name: 'fix.jar' }],
      [null],
      { tenants: [{ name: 'acme' }] },
      { loaded: 'fix.jar', tenants: [] },
      { loaded, tenants: 'acme' },
      { loaded, tenants: ['acme'] },
      { loaded, tenants: [{ name: 7 }] },
      { loaded, tenants: [{ name: 'acme', status: 2 }] },
    ])
      expect(parseReportedLoad(body), JSON.stringify(body)).toBeNull();
  });
});

describe('runInventoryCommand', () => {
  const node = (script: string, timeout = 10_000) => ({ command: process.execPath, args: ['-e', script], timeout });
  const worker = { name: 'app-1', pid: 4242, env: { PRODUCT_HOME: '/opt/product' } };

  it('reads the command’s output in either form, and tells it which worker it is asked about', async () => {
    const listed = await runInventoryCommand(node(`console.log(JSON.stringify([{ kind: 'CONFIG', name: 'a.xml', sha256: '${sha256('a')}' }]))`), worker);
    expect(listed).toEqual({ ok: true, load: { loaded: [{ kind: 'CONFIG', name: 'a.xml', sha256: sha256('a') }], tenants: null } });
    const described = await runInventoryCommand(
      node(
        'const { OPSCENTER_WORKER_NAME: name, OPSCENTER_WORKER_PID: pid, PRODUCT_HOME: home } = process.env; console.log(JSON.stringify({ loaded: [], tenants: [{ name, status: pid + " " + home }] }))',
      ),
      worker,
    );
    expect(described).toEqual({ ok: true, load: { loaded: [], tenants: [{ name: 'app-1', status: '4242 /opt/product' }] } });
  });

  it('says why it could not read the command: failure, not found, timeout, too much output, not JSON, not the protocol', async () => {
    const problem = async (spec: { command: string; args: string[]; timeout: number }) => {
      const outcome = await runInventoryCommand(spec, worker);
      return outcome.ok ? 'read' : outcome.problem;
    };
    expect(await problem(node('process.exit(3)'))).toBe('it exited with code 3');
    expect(await problem({ command: '/nonexistent/report', args: [], timeout: 1000 })).toBe('/nonexistent/report not found');
    const started = Date.now();
    expect(await problem(node('setTimeout(() => {}, 60_000)', 300))).toBe('it did not finish within 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await problem(node(`process.stdout.write('[' + '0,'.repeat(${INVENTORY_COMMAND_MAX_OUTPUT}) + '0]')`))).toBe(
      `its output exceeds ${INVENTORY_COMMAND_MAX_OUTPUT} bytes`,
    );
    expect(await problem(node('console.log("loaded: fix.jar")'))).toBe('its output is not JSON');
    expect(await problem(node('console.log(JSON.stringify({ tenants: [] }))'))).toBe('its output is neither a list of loaded items nor { loaded, tenants }');
  });
});

describe('ProcessDriver with an inventory command', () => {
  it('reports what the command prints, leaves the worker out while it fails, and logs a lasting failure once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventory-command-'));
    const logged: { level: string; message: string }[] = [];
    const logger = {
      debug: () => {},
      info: (_details: unknown, message: string) => logged.push({ level: 'info', message }),
      warn: (_details: unknown, message: string) => logged.push({ level: 'warn', message }),
    } as unknown as Logger;
    const report = { loaded: [{ kind: 'CONFIG', name: 'a.xml', sha256: sha256('a') }], tenants: [{ name: 'acme', status: 'running' }] };
    const spec = agentConfigSchema.parse({
      oc: { url: 'http://127.0.0.1:1' },
      cluster: 'c',
      manager: { name: 'm' },
      workers: [
        {
          driver: 'process',
          name: 'w-1',
          command: process.execPath,
          args: ['-e', 'setTimeout(() => {}, 60_000)'],
          inventoryCommand: { command: process.execPath, args: ['-e', 'process.exit(2)'] },
        },
      ],
    }).workers[0] as ProcessWorkerConfig;
    const driver = new ProcessDriver([spec], { get: () => undefined, set: () => {} }, dir, logger);
    await driver.start();
    try {
      for (let heartbeat = 0; heartbeat < 3; heartbeat += 1) expect(await driver.inventory()).toEqual([]);
      expect(logged.filter((entry) => entry.level === 'warn')).toEqual([{ level: 'warn', message: 'cannot read what the worker loaded' }]);

      spec.inventoryCommand = { command: process.execPath, args: ['-e', `console.log(${JSON.stringify(JSON.stringify(report))})`], timeout: 10_000 };
      for (let heartbeat = 0; heartbeat < 2; heartbeat += 1) expect(await driver.inventory()).toEqual([{ name: 'w-1', installed: [], ...report }]);
      expect(logged.filter((entry) => entry.message !== 'started worker')).toEqual([
        { level: 'warn', message: 'cannot read what the worker loaded' },
        { level: 'info', message: 'what the worker loaded can be read again' },
      ]);
    } finally {
      process.kill(-Number(driver.incarnation('w-1')?.split(':')[0]), 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
