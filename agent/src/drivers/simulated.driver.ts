import type { SimulatedWorkersConfig } from '../config.ts';
import { checkFileName, type FileChange, FileChangeError, type WorkerFiles } from '../deploy/worker-files.ts';
import { sleep } from '../shared/backoff.ts';
import type { RestartOutcome, WorkerDriver, WorkerInfo, WorkerObservation } from './driver.ts';
import type { InstalledItem, LoadedItem, WorkerInventory } from './inventory.ts';

interface SimulatedWorker {
  name: string;
  /** Bumped by every restart, like a process id. */
  incarnation: number;
  startedAt: number;
  crashed: boolean;
  failing: boolean;
  nextCrashAt: number;
  nextFlapAt: number;
  /** Its files, by `kind/name`. */
  installed: Map<string, InstalledItem>;
  /** What it loaded at its last (re)start. */
  loaded: LoadedItem[];
  /** What each deploy replaced, by key: the items as they were before (undefined: the item was not there). */
  backups: Map<string, Map<string, InstalledItem | undefined>>;
}

/**
 * Workers that exist only in memory, with configurable behaviour (slow start, failing health,
 * crashes, flapping), for demos and load tests of large fleets.
 */
export class SimulatedDriver implements WorkerDriver {
  readonly #workers: SimulatedWorker[];

  constructor(
    private readonly config: SimulatedWorkersConfig,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.#workers = Array.from({ length: config.count }, (_, index) => {
      const name = `${config.namePrefix}${index + 1}`;
      return {
        name,
        incarnation: 1,
        startedAt: now(),
        crashed: false,
        failing: config.behaviour.failHealth.includes(name),
        nextCrashAt: this.#schedule(config.behaviour.crashEvery),
        nextFlapAt: this.#schedule(config.behaviour.flapEvery),
        installed: new Map(),
        loaded: [],
        backups: new Map(),
      };
    });
  }

  workers(): WorkerInfo[] {
    return this.#workers.map((worker) => ({
      name: worker.name,
      address: `simulated:${worker.name}`,
      version: this.config.version,
      labels: { simulated: 'true' },
    }));
  }

  async inventory(): Promise<WorkerInventory[]> {
    return this.#workers.map((worker) => ({ name: worker.name, installed: [...worker.installed.values()], loaded: [...worker.loaded], tenants: null }));
  }

  async start(): Promise<void> {}

  async observe(): Promise<WorkerObservation[]> {
    const now = this.now();
    const { behaviour } = this.config;
    return this.#workers.map((worker, index) => {
      if (!worker.crashed && now >= worker.nextCrashAt) worker.crashed = true;
      if (now >= worker.nextFlapAt) {
        worker.failing = !worker.failing;
        worker.nextFlapAt = this.#schedule(behaviour.flapEvery);
      }
      const wave = Math.sin(now / 60_000 + index);
      // Like a real process that exited: nothing of it to measure, only its host's load.
      if (worker.crashed) return { name: worker.name, state: 'STOPPED', load1: 1 + wave / 2 };
      const state = now - worker.startedAt < behaviour.startDelay ? 'STARTING' : this.#unhealthy(worker) ? 'UNHEALTHY' : 'HEALTHY';
      return {
        name: worker.name,
        state,
        version: this.config.version,
        cpuPercent: 30 + 20 * wave,
        memoryBytes: Math.round((512 + 64 * wave) * 1024 * 1024),
        load1: 1 + wave / 2,
        diskPercent: 40,
        uptimeSeconds: Math.round((now - worker.startedAt) / 1000),
      };
    });
  }

  incarnation(name: string): string | null {
    const worker = this.#workers.find((candidate) => candidate.name === name);
    return worker && !worker.crashed ? String(worker.incarnation) : null;
  }

  async restart(name: string): Promise<RestartOutcome> {
    const worker = this.#workers.find((candidate) => candidate.name === name);
    if (!worker) return { ok: false, message: `No simulated worker named ${name}.`, details: {} };
    const oldIncarnation = worker.incarnation;
    worker.incarnation += 1;
    worker.crashed = false;
    worker.startedAt = this.now();
    worker.nextCrashAt = this.#schedule(this.config.behaviour.crashEvery);
    worker.loaded = [...worker.installed.values()].map(({ kind, name: itemName, sha256 }) => ({ kind, name: itemName, sha256 }));
    await sleep(this.config.behaviour.startDelay);
    const details = { oldPid: oldIncarnation, newPid: worker.incarnation };
    return this.#unhealthy(worker)
      ? { ok: false, message: `${name} restarted but fails its health check.`, details }
      : { ok: true, message: `${name} restarted and is healthy`, details };
  }

  files(name: string): WorkerFiles | null {
    const worker = this.#workers.find((candidate) => candidate.name === name);
    return worker ? new SimulatedWorkerFiles(worker, this.now) : null;
  }

  async close(): Promise<void> {}

  /** For tests and demos: crash a worker, or make its health check fail or pass. */
  set(name: string, change: { crashed?: boolean; failing?: boolean }): void {
    const worker = this.#workers.find((candidate) => candidate.name === name);
    if (!worker) throw new Error(`No simulated worker named ${name}`);
    Object.assign(worker, change);
  }

  /** Failing by configuration or by a test, or running with a broken file loaded (one failHealthWith names). */
  #unhealthy(worker: SimulatedWorker): boolean {
    return worker.failing || worker.loaded.some((item) => this.config.behaviour.failHealthWith.includes(item.name));
  }

  #schedule(every: number | undefined): number {
    return every ? this.now() + every * (0.5 + this.random()) : Number.POSITIVE_INFINITY;
  }
}

/** A simulated worker's files, in memory: a deploy to a hundred of them costs no disk. */
class SimulatedWorkerFiles implements WorkerFiles {
  constructor(
    private readonly worker: SimulatedWorker,
    private readonly now: () => number,
  ) {}

  async apply(key: string, change: FileChange): Promise<void> {
    for (const file of [...change.install, ...change.remove]) checkFileName(file.name);
    const keys = [...change.install, ...change.remove].map((file) => `${file.kind}/${file.name}`);
    const repeated = keys.find((itemKey, index) => keys.indexOf(itemKey) !== index);
    if (repeated) throw new FileChangeError(`the change names ${repeated} twice`);
    const backup = this.worker.backups.get(key) ?? new Map<string, InstalledItem | undefined>();
    for (const itemKey of keys) if (!backup.has(itemKey)) backup.set(itemKey, this.worker.installed.get(itemKey));
    this.worker.backups.set(key, backup);
    const modifiedAt = new Date(this.now()).toISOString();
    for (const { kind, name, sha256, size } of change.install) this.worker.installed.set(`${kind}/${name}`, { kind, name, sha256, size, modifiedAt });
    for (const { kind, name } of change.remove) this.worker.installed.delete(`${kind}/${name}`);
  }

  async revert(key: string): Promise<boolean> {
    const backup = this.worker.backups.get(key);
    if (!backup) return false;
    for (const [itemKey, item] of backup) {
      if (item) this.worker.installed.set(itemKey, item);
      else this.worker.installed.delete(itemKey);
    }
    this.worker.backups.delete(key);
    return true;
  }

  hasBackup(key: string): boolean {
    return this.worker.backups.has(key);
  }
}
