import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcClient } from '../../agent/src/api-client.ts';
import type { ProcessWorkerConfig, SimulatedWorkersConfig } from '../../agent/src/config.ts';
import { ContentCache } from '../../agent/src/deploy/content-cache.ts';
import { type CommandJournal, Deployer, type DeployTarget, notLoaded } from '../../agent/src/deploy/deployer.ts';
import { DirectoryWorkerFiles, type FileChange, FileChangeError, type WorkerFiles } from '../../agent/src/deploy/worker-files.ts';
import type { WorkerDriver } from '../../agent/src/drivers/driver.ts';
import { FileHasher } from '../../agent/src/drivers/inventory.ts';
import { ProcessDriver } from '../../agent/src/drivers/process.driver.ts';
import { SimulatedDriver } from '../../agent/src/drivers/simulated.driver.ts';
import type { DeployFile, DeployParams } from '../../agent/src/shared/deploy-protocol.ts';
import { freePort, OPSCENTER } from '../helpers/process.ts';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

/** The visible files under `dir` (what a worker and its inventory see), by relative path, with their bytes. */
function visibleFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (
      entry.isFile() &&
      !path
        .relative(dir, file)
        .split(path.sep)
        .some((part) => part.startsWith('.'))
    ) {
      files[path.relative(dir, file)] = fs.readFileSync(file).toString('base64');
    }
  }
  return files;
}

/** Everything under `dir`, hidden entries included: to show that nothing at all was touched. */
function everything(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

/** A stand-in for the OC's download endpoint, counting downloads by content id. */
async function contentServer(items: Record<string, Buffer>) {
  const downloads: string[] = [];
  const server = http.createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').replace(/^\/api\/content\//, ''));
    downloads.push(id);
    const bytes = items[id];
    if (!bytes)
      return res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message: 'no such content', extensions: { code: 'NOT_FOUND' } }] }));
    res.writeHead(200).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new OcClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  client.credential = 'agent-credential';
  return { client, downloads, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function memoryJournal(): CommandJournal & { phases: Map<string, string> } {
  const phases = new Map<string, string>();
  return { phases, phase: (id) => phases.get(id), record: (id, phase) => void phases.set(id, phase) };
}

const patch = (name: string, bytes: Buffer, contentId: string | null = name): DeployFile => ({
  kind: 'PATCH',
  name,
  sha256: sha256(bytes),
  size: bytes.length,
  contentId,
  inline: contentId ? null : bytes.toString('base64'),
});

const config = (name: string, bytes: Buffer): DeployFile => ({ ...patch(name, bytes, null), kind: 'CONFIG' });

const noop = async () => {};

describe('DirectoryWorkerFiles', () => {
  const worker = () => {
    const dir = tempDir('worker-files-');
    const cacheDir = tempDir('cached-');
    for (const sub of ['patches', 'conf']) fs.mkdirSync(path.join(dir, sub));
    fs.writeFileSync(path.join(dir, 'patches', 'old.jar'), 'old bytes');
    fs.writeFileSync(path.join(dir, 'patches', 'gone.jar'), 'bytes to remove');
    fs.writeFileSync(path.join(dir, 'conf', 'app.properties'), 'threads=8\n');
    fs.writeFileSync(path.join(dir, 'conf', 'unmanaged.properties'), 'x=1\n');
    const cached = (name: string, text: string) => {
      fs.writeFileSync(path.join(cacheDir, name), text);
      return path.join(cacheDir, name);
    };
    const files = new DirectoryWorkerFiles({ patchesDir: path.join(dir, 'patches'), configFiles: [path.join(dir, 'conf', 'app.properties')] });
    return { dir, files, cached };
  };
  const install = (kind: 'PATCH' | 'CONFIG' | 'ARTIFACT', name: string, source: string) => ({
    kind,
    name,
    sha256: sha256(fs.readFileSync(source)),
    size: 1,
    source,
  });

  it('switches files in, then puts back byte for byte what was there, removing what it added', async () => {
    const { dir, files, cached } = worker();
    const before = visibleFiles(dir);
    const change: FileChange = {
      install: [
        install('PATCH', 'old.jar', cached('a', 'new bytes of old.jar')),
        install('PATCH', 'hotfix-17.jar', cached('b', 'hotfix')),
        install('CONFIG', 'app.properties', cached('c', 'threads=16\n')),
      ],
      remove: [{ kind: 'PATCH', name: 'gone.jar' }],
    };
    await files.apply('op-1', change);
    expect(files.hasBackup('op-1')).toBe(true);
    expect(
      fs
        .readdirSync(path.join(dir, 'patches'))
        .filter((name) => !name.startsWith('.'))
        .sort(),
    ).toEqual(['hotfix-17.jar', 'old.jar']);
    expect(fs.readFileSync(path.join(dir, 'patches', 'old.jar'), 'utf8')).toBe('new bytes of old.jar');
    expect(fs.readFileSync(path.join(dir, 'conf', 'app.properties'), 'utf8')).toBe('threads=16\n');
    // The backups and staging directory are hidden: the inventory shows only the worker's files.
    const inventory = await new FileHasher().installed({ patchesDir: path.join(dir, 'patches') });
    expect(inventory.map((item) => item.name).sort()).toEqual(['hotfix-17.jar', 'old.jar']);

    expect(await files.revert('op-1')).toBe(true);
    expect(visibleFiles(dir)).toEqual(before);
    expect(files.hasBackup('op-1')).toBe(false);
    expect(await files.revert('op-1')).toBe(false);
  });

  it('refuses a change the worker has no place for, or a bad name, before touching anything', async () => {
    const { dir, files, cached } = worker();
    const source = cached('a', 'bytes');
    const before = everything(dir);
    const refused = [
      { install: [install('PATCH', 'fine.jar', source), install('ARTIFACT', 'app.war', source)], remove: [] },
      { install: [install('PATCH', 'fine.jar', source)], remove: [{ kind: 'CONFIG' as const, name: 'unmanaged.properties' }] },
      { install: [install('PATCH', '../escape.jar', source)], remove: [] },
      { install: [install('PATCH', '.hidden.jar', source)], remove: [] },
      { install: [install('PATCH', 'fine.jar', source)], remove: [{ kind: 'PATCH' as const, name: 'fine.jar' }] },
    ];
    for (const change of refused) await expect(files.apply('op-1', change)).rejects.toBeInstanceOf(FileChangeError);
    await expect(files.apply('op-1', refused[0])).rejects.toThrow(/app\.war: this worker has no artifacts directory/);
    expect(everything(dir)).toEqual(before);
    expect(files.hasBackup('op-1')).toBe(false);
  });

  it('keeps the first backup when a key changes the worker again, so a revert goes back to before the key', async () => {
    const { dir, files, cached } = worker();
    const before = visibleFiles(dir);
    await files.apply('op-1', { install: [install('PATCH', 'old.jar', cached('a', 'second'))], remove: [] });
    await files.apply('op-1', { install: [install('PATCH', 'old.jar', cached('b', 'third')), install('PATCH', 'new.jar', cached('c', 'new'))], remove: [] });
    await files.revert('op-1');
    expect(visibleFiles(dir)).toEqual(before);
  });
});

describe('notLoaded', () => {
  const jar = { kind: 'PATCH' as const, name: 'fix.jar', sha256: 'new' };
  const war = { kind: 'ARTIFACT' as const, name: 'app.war', sha256: 'new' };
  const gone = { kind: 'PATCH' as const, name: 'old.jar' };
  const inventory = (loaded: { kind: 'PATCH' | 'ARTIFACT' | 'CONFIG'; name: string; sha256: string }[] | null) => ({ name: 'w', installed: [], loaded });

  it('wants installed files loaded with their new hash and removed ones gone, for the kinds the worker loads', () => {
    const change = { install: [jar, war], remove: [gone] };
    expect(
      notLoaded(
        inventory([
          { ...jar, sha256: 'old' },
          { ...gone, sha256: 'x' },
        ]),
        change,
      ),
    ).toEqual(['fix.jar', 'old.jar']);
    // The worker loads patches but no artifacts: the artifact is not waited for.
    expect(notLoaded(inventory([jar]), change)).toEqual([]);
    // A worker that does not say what it loaded is taken at its word; one that cannot be read yet is not.
    expect(notLoaded(inventory(null), change)).toEqual([]);
    expect(notLoaded(undefined, change)).toEqual(['fix.jar', 'app.war', 'old.jar']);
  });
});

describe('Deployer with simulated workers', () => {
  const bytes = Buffer.from('hotfix-17 bytes');
  const broken = Buffer.from('a patch that breaks the worker');
  let content: Awaited<ReturnType<typeof contentServer>>;
  beforeAll(async () => {
    content = await contentServer({ 'hotfix-17.jar': bytes, 'broken.jar': broken });
  });
  afterAll(() => content.close());

  const simulated = (count: number): SimulatedWorkersConfig => ({
    driver: 'simulated',
    namePrefix: 'sim-',
    count,
    version: '1.0.0',
    behaviour: { startDelay: 5, failHealth: [], failHealthWith: ['broken.jar'] },
  });
  const gate = { restart: true, minHealthyTimeMs: 50, healthyDeadlineMs: 1000 };
  const setup = (count: number) => {
    const driver = new SimulatedDriver(simulated(count));
    const journal = memoryJournal();
    const deployer = new Deployer(new ContentCache(path.join(tempDir('sim-cache-'), 'content-cache'), content.client), journal, { pollMs: 10 });
    const target = (name: string, commandId = `${name}-command`): DeployTarget => ({ commandId, name, driver });
    return { driver, journal, deployer, target };
  };

  it('deploys to a hundred workers at once, downloading the item once, and reports it installed and loaded', async () => {
    content.downloads.length = 0;
    const { driver, deployer, target } = setup(100);
    const params: DeployParams = { ...gate, operationId: 'op-1', install: [patch('hotfix-17.jar', bytes)], remove: [] };
    const outcomes = await Promise.all(driver.workers().map((worker) => deployer.deploy(target(worker.name), params, noop)));
    expect(outcomes.map((outcome) => outcome.state)).toEqual(Array(100).fill('SUCCEEDED'));
    expect(outcomes[0].message).toMatch(/^hotfix-17\.jar installed; healthy [\d.]+ s with it loaded$/);
    expect(content.downloads).toEqual(['hotfix-17.jar']);
    const [inventory] = await driver.inventory();
    expect(inventory.installed).toEqual([{ kind: 'PATCH', name: 'hotfix-17.jar', sha256: sha256(bytes), size: bytes.length, modifiedAt: expect.any(String) }]);
    expect(inventory.loaded).toEqual([{ kind: 'PATCH', name: 'hotfix-17.jar', sha256: sha256(bytes) }]);
  });

  it('reverts a change that breaks the worker’s health, and a REVERT then finds nothing to put back', async () => {
    const { driver, deployer, target } = setup(1);
    await deployer.deploy(target('sim-1', 'first'), { ...gate, operationId: 'op-1', install: [patch('hotfix-17.jar', bytes)], remove: [] }, noop);
    const before = (await driver.inventory())[0].installed;
    const params: DeployParams = { ...gate, operationId: 'op-2', install: [patch('broken.jar', broken)], remove: [{ kind: 'PATCH', name: 'hotfix-17.jar' }] };
    const outcome = await deployer.deploy(target('sim-1', 'second'), params, noop);
    expect(outcome).toMatchObject({ state: 'FAILED', code: 'REVERTED' });
    expect(outcome.message).toMatch(/^reverted: sim-1 was not healthy within 1 s after the change \(health check failing\)$/);
    const [after] = await driver.inventory();
    expect(after.installed).toEqual(before);
    expect((await driver.observe())[0].state).toBe('HEALTHY');
    expect(await deployer.revert(target('sim-1', 'third'), { ...gate, operationId: 'op-2' }, noop)).toEqual({
      state: 'SUCCEEDED',
      message: 'nothing to revert',
    });
  });

  it('puts back what an operation deployed when a REVERT asks, once', async () => {
    const { driver, deployer, target } = setup(1);
    await deployer.deploy(target('sim-1', 'deploy'), { ...gate, operationId: 'op-1', install: [patch('hotfix-17.jar', bytes)], remove: [] }, noop);
    const reverted = await deployer.revert(target('sim-1', 'revert'), { ...gate, operationId: 'op-1' }, noop);
    expect(reverted).toMatchObject({ state: 'SUCCEEDED', message: expect.stringMatching(/^sim-1 has its previous files back and was restarted; healthy/) });
    expect(await driver.inventory()).toEqual([{ name: 'sim-1', installed: [], loaded: [], tenants: null }]);
    expect(await deployer.revert(target('sim-1', 'again'), { ...gate, operationId: 'op-1' }, noop)).toMatchObject({ message: 'nothing to revert' });
  });

  it('carries on after a kill in the RESTARTING phase without restarting a worker that already restarted', async () => {
    const { driver, journal, deployer, target } = setup(2);
    const params: DeployParams = { ...gate, operationId: 'op-1', install: [patch('hotfix-17.jar', bytes, null)], remove: [] };
    for (const name of ['sim-1', 'sim-2']) {
      const files = driver.files(name) as WorkerFiles;
      await files.apply('op-1', { install: [{ kind: 'PATCH', name: 'hotfix-17.jar', sha256: sha256(bytes), size: bytes.length, source: '' }], remove: [] });
    }
    // sim-1 was killed before its restart; sim-2 after it (it is another run now).
    journal.record('c1', `RESTARTING:${driver.incarnation('sim-1')}`);
    journal.record('c2', 'RESTARTING:0');
    const outcomes = await Promise.all([deployer.deploy(target('sim-1', 'c1'), params, noop), deployer.deploy(target('sim-2', 'c2'), params, noop)]);
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect([driver.incarnation('sim-1'), driver.incarnation('sim-2')]).toEqual(['2', '1']);
    expect(journal.phases.get('c1')).toMatch(/^VERIFYING:\d+$/);
  });

  it('carries on judging after a kill while verifying, and finishes a roll-back cut short, without applying anything again', async () => {
    const { driver, journal, deployer, target } = setup(2);
    const params: DeployParams = { ...gate, operationId: 'op-1', install: [patch('hotfix-17.jar', bytes, null)], remove: [] };
    for (const name of ['sim-1', 'sim-2']) {
      await (driver.files(name) as WorkerFiles).apply('op-1', {
        install: [{ kind: 'PATCH', name: 'hotfix-17.jar', sha256: sha256(bytes), size: bytes.length, source: '' }],
        remove: [],
      });
      await driver.restart(name);
    }
    journal.record('c1', `VERIFYING:${Date.now()}`);
    journal.record('c2', 'ROLLING_BACK:sim-2 was not healthy within 1 s after the change (health check failing)');
    const [verified, rolledBack] = await Promise.all([
      deployer.deploy(target('sim-1', 'c1'), params, noop),
      deployer.deploy(target('sim-2', 'c2'), params, noop),
    ]);
    expect(verified.state).toBe('SUCCEEDED');
    expect(driver.incarnation('sim-1')).toBe('2');
    expect(rolledBack).toMatchObject({
      state: 'FAILED',
      code: 'REVERTED',
      message: 'reverted: sim-2 was not healthy within 1 s after the change (health check failing)',
    });
    expect((await driver.inventory()).map((inventory) => inventory.installed.length)).toEqual([1, 0]);
  });
});

describe('Deployer on a real worker process', () => {
  const dir = tempDir('deploy-worker-');
  const patches = path.join(dir, 'patches');
  const configFile = path.join(dir, 'conf', 'app.properties');
  const hotfix = Buffer.from('hotfix-17 for the demo worker');
  const broken = Buffer.from('this patch breaks the worker');
  const registry = new Map<string, { pid: number; startTicks: number }>();
  let port: number;
  let driver: ProcessDriver;
  let content: Awaited<ReturnType<typeof contentServer>>;
  const applies: string[] = [];

  /** Counts the changes applied, to show a recovered command applies its change once. */
  class CountingDriver extends ProcessDriver {
    override files(name: string): WorkerFiles | null {
      const files = super.files(name);
      if (!files) return null;
      return {
        apply: (key, change) => {
          applies.push(key);
          return files.apply(key, change);
        },
        revert: (key) => files.revert(key),
        hasBackup: (key) => files.hasBackup(key),
      };
    }
  }

  const healthy = async () => {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      if ((await driver.observe())[0].state === 'HEALTHY') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the worker did not become healthy');
  };
  const gate = { restart: true, minHealthyTimeMs: 300, healthyDeadlineMs: 15_000 };
  const target = (commandId: string): DeployTarget => ({ commandId, name: 'app-1', driver: driver as WorkerDriver });
  const deployer = (journal = memoryJournal()) => new Deployer(new ContentCache(path.join(dir, 'content-cache'), content.client), journal, { pollMs: 50 });

  beforeAll(async () => {
    content = await contentServer({ hotfix: hotfix, broken: broken });
    port = await freePort();
    fs.mkdirSync(patches, { recursive: true });
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    fs.writeFileSync(path.join(patches, 'base.jar'), 'base patch');
    fs.writeFileSync(configFile, 'threads=8\n');
    const spec: ProcessWorkerConfig = {
      driver: 'process',
      name: 'app-1',
      command: process.execPath,
      args: [
        OPSCENTER,
        'worker',
        '--name',
        'app-1',
        '--port',
        String(port),
        '--patches-dir',
        patches,
        '--config-file',
        configFile,
        '--fail-health-if-exists',
        path.join(patches, 'broken.jar'),
        '--exit-with',
        String(process.pid),
      ],
      env: {},
      address: `127.0.0.1:${port}`,
      health: { http: `http://127.0.0.1:${port}/health` },
      stopTimeout: 3000,
      startTimeout: 3000,
      patchesDir: patches,
      configFiles: [configFile],
      labels: {},
    };
    driver = new CountingDriver(
      [spec],
      { get: (name) => registry.get(name), set: (name, process) => void registry.set(name, process) },
      path.join(dir, 'logs'),
      pino({ level: 'silent' }),
    );
    await driver.start();
    await healthy();
  });
  afterAll(async () => {
    for (const { pid } of registry.values()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await content.close();
  });

  it('restarts the worker with a patch and a config, and succeeds once it is healthy with both loaded', async () => {
    const newConfig = Buffer.from('threads=16\n');
    const params: DeployParams = {
      ...gate,
      operationId: 'op-good',
      install: [patch('hotfix-17.jar', hotfix, 'hotfix'), config('app.properties', newConfig)],
      remove: [],
    };
    const reports: string[] = [];
    const outcome = await deployer().deploy(target('good'), params, async (progress) => void reports.push(`${progress.state} ${progress.message}`));
    expect(reports).toEqual(['RUNNING installing hotfix-17.jar, app.properties on app-1']);
    expect(outcome).toMatchObject({
      state: 'SUCCEEDED',
      message: expect.stringMatching(/^hotfix-17\.jar, app\.properties installed; healthy [\d.]+ s with them loaded$/),
    });
    const [inventory] = await driver.inventory();
    expect(inventory.loaded).toEqual(
      expect.arrayContaining([
        { kind: 'PATCH', name: 'hotfix-17.jar', sha256: sha256(hotfix) },
        { kind: 'CONFIG', name: 'app.properties', sha256: sha256(newConfig) },
      ]),
    );
    // Undone for the next tests, through the backup the deploy kept.
    expect(await deployer().revert(target('undo-good'), { ...gate, operationId: 'op-good' }, noop)).toMatchObject({ state: 'SUCCEEDED' });
    expect(fs.readFileSync(configFile, 'utf8')).toBe('threads=8\n');
  });

  it('reverts a patch that breaks the worker: FAILED REVERTED, the files byte-identical, the worker healthy again', async () => {
    const before = visibleFiles(dir);
    const params: DeployParams = {
      ...gate,
      healthyDeadlineMs: 1500,
      operationId: 'op-broken',
      install: [patch('broken.jar', broken, 'broken')],
      remove: [{ kind: 'PATCH', name: 'base.jar' }],
    };
    const outcome = await deployer().deploy(target('broken'), params, noop);
    expect(outcome).toMatchObject({ state: 'FAILED', code: 'REVERTED' });
    expect(outcome.message).toMatch(/^reverted: app-1 was not healthy within 1\.5 s after the change \(health check failing\)$/);
    const after = visibleFiles(dir);
    expect(Object.keys(after).filter((file) => !file.startsWith('content-cache') && !file.startsWith('logs'))).toEqual(
      Object.keys(before).filter((file) => !file.startsWith('content-cache') && !file.startsWith('logs')),
    );
    expect(after['patches/base.jar']).toBe(before['patches/base.jar']);
    expect(after['conf/app.properties']).toBe(before['conf/app.properties']);
    expect(fs.existsSync(path.join(patches, 'broken.jar'))).toBe(false);
    expect((await driver.observe())[0].state).toBe('HEALTHY');
  });

  it('fails with DOWNLOAD_FAILED, touching nothing, when the bytes do not hash as the command says', async () => {
    const before = everything(patches);
    // Served by the OC as other bytes than the ones the command names.
    const params: DeployParams = { ...gate, operationId: 'op-swapped', install: [patch('other.jar', Buffer.from('bytes never served'), 'broken')], remove: [] };
    const outcome = await deployer().deploy(target('swapped'), params, noop);
    expect(outcome).toMatchObject({ state: 'FAILED', code: 'DOWNLOAD_FAILED' });
    expect(outcome.message).toMatch(/hash of the downloaded bytes did not match.*; app-1 is unchanged$/);
    expect(everything(patches)).toEqual(before);
  });

  it('fails a change naming a kind the worker has no place for, touching nothing', async () => {
    const before = everything(dir);
    const params: DeployParams = { ...gate, operationId: 'op-artifact', install: [{ ...patch('app.war', hotfix, 'hotfix'), kind: 'ARTIFACT' }], remove: [] };
    const outcome = await deployer().deploy(target('artifact'), params, noop);
    expect(outcome).toEqual({ state: 'FAILED', message: 'app.war: this worker has no artifacts directory; app-1 is unchanged' });
    expect(everything(dir)).toEqual(before);
  });

  it('recovers from a kill while installing: back to the old files, then the change applied once, in full', async () => {
    const original = visibleFiles(patches);
    const originalConfig = fs.readFileSync(configFile);
    const newConfig = Buffer.from('threads=32\n');
    const params: DeployParams = {
      ...gate,
      operationId: 'op-killed',
      install: [patch('hotfix-17.jar', hotfix, 'hotfix'), config('app.properties', newConfig)],
      remove: [{ kind: 'PATCH', name: 'base.jar' }],
    };
    // The agent was killed after switching the first file of the change and before the others.
    const cache = new ContentCache(path.join(dir, 'content-cache'), content.client);
    const files = new DirectoryWorkerFiles({ patchesDir: patches, configFiles: [configFile] });
    await files.apply('op-killed', {
      install: [{ kind: 'PATCH', name: 'hotfix-17.jar', sha256: sha256(hotfix), size: hotfix.length, source: await cache.fetch(params.install[0]) }],
      remove: [],
    });
    const journal = memoryJournal();
    journal.record('killed', `INSTALLING:${driver.incarnation('app-1')}`);
    applies.length = 0;
    const outcome = await deployer(journal).deploy(target('killed'), params, noop);
    expect(outcome.state).toBe('SUCCEEDED');
    expect(applies).toEqual(['op-killed']);
    expect(fs.readFileSync(path.join(patches, 'hotfix-17.jar'))).toEqual(hotfix);
    expect(fs.existsSync(path.join(patches, 'base.jar'))).toBe(false);
    expect(fs.readFileSync(configFile)).toEqual(newConfig);
    // The backup is of the files before the change, not of the mix the kill left.
    expect(await files.revert('op-killed')).toBe(true);
    expect(visibleFiles(patches)).toEqual(original);
    expect(fs.readFileSync(configFile)).toEqual(originalConfig);
  });
});
