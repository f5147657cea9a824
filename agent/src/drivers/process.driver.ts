import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ProcessWorkerConfig } from '../config.ts';
import { DirectoryWorkerFiles, type WorkerFiles } from '../deploy/worker-files.ts';
import { sleep } from '../shared/backoff.ts';
import type { RestartOutcome, WorkerDriver, WorkerInfo, WorkerObservation } from './driver.ts';
import { checkHealth } from './health-check.ts';
import { FileHasher, parseReportedLoad, type ReportedLoad, type WorkerInventory } from './inventory.ts';
import { runInventoryCommand } from './inventory-command.ts';
import { cpuPercent, diskUsedPercent, hostLoad, residentBytes, sampleProcess, uptimeSecondsOf } from './proc-stats.ts';

/** Where the agent remembers the processes it started (its state file). */
export interface ProcessRegistry {
  get(name: string): { pid: number; startTicks: number } | undefined;
  set(name: string, process: { pid: number; startTicks: number }): void;
}

interface Running {
  pid: number;
  startTicks: number;
  startedAt: number;
  lastCpu: { cpuTicks: number; at: number } | null;
  version: string | undefined;
}

const POLL_MS = 200;

/**
 * Supervises real local processes. They are started in their own session, so they outlive the
 * agent: a restarted agent finds them by pid and start time, and adopts them instead of starting
 * them again. A process that exits is reported STOPPED; starting it again is the OC's decision.
 */
export class ProcessDriver implements WorkerDriver {
  readonly #running = new Map<string, Running>();
  readonly #hashers = new Map<string, FileHasher>();
  /** Where each worker's health answer says it reports what it loaded; kept across restarts, as it is the same program. */
  readonly #advertisedInventoryUrls = new Map<string, string>();
  /** Why each worker's loaded items could last not be read (absent: they could), so that a lasting problem is logged once. */
  readonly #inventoryProblems = new Map<string, string>();

  constructor(
    private readonly specs: ProcessWorkerConfig[],
    private readonly registry: ProcessRegistry,
    private readonly logDir: string,
    private readonly logger: Logger,
  ) {}

  workers(): WorkerInfo[] {
    return this.specs.map((spec) => ({
      name: spec.name,
      address: spec.address,
      version: this.#running.get(spec.name)?.version ?? '',
      labels: spec.labels,
      consoleUrl: spec.consoleUrl,
    }));
  }

  async inventory(): Promise<WorkerInventory[]> {
    const inventories = await Promise.all(this.specs.map((spec) => this.#inventoryOf(spec)));
    return inventories.filter((inventory) => inventory !== null);
  }

  /** Null when what the worker loaded cannot be read right now. */
  async #inventoryOf(spec: ProcessWorkerConfig): Promise<WorkerInventory | null> {
    const hasher = this.#hashers.get(spec.name) ?? new FileHasher();
    this.#hashers.set(spec.name, hasher);
    const installed = await hasher.installed(spec);
    const running = this.#running.get(spec.name);
    const sample = running ? sampleProcess(running.pid) : null;
    // A process that is not running has loaded nothing; its tenants are left as they were reported.
    if (!running || !sample || sample.zombie || sample.startTicks !== running.startTicks) return { name: spec.name, installed, loaded: [], tenants: null };
    if (spec.inventoryCommand) {
      const outcome = await runInventoryCommand(spec.inventoryCommand, { name: spec.name, pid: running.pid, cwd: spec.cwd, env: spec.env });
      return this.#readInventory(spec, installed, outcome.ok ? outcome.load : null, outcome.ok ? null : `its inventory command failed: ${outcome.problem}`);
    }
    const url = spec.inventoryUrl ?? this.#advertisedInventoryUrls.get(spec.name);
    if (!url) return { name: spec.name, installed, loaded: null, tenants: null };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const load = response.ok ? parseReportedLoad(await response.json()) : null;
      return this.#readInventory(
        spec,
        installed,
        load,
        load ? null : `its inventory URL ${url} answered ${response.status} with neither a list of loaded items nor { loaded, tenants }`,
      );
    } catch (error) {
      // Starting, or briefly busy: its inventory is reported with a later heartbeat that reaches it.
      this.logger.debug({ worker: spec.name, err: (error as Error).message }, 'cannot read the worker’s inventory yet');
      return null;
    }
  }

  /**
   * The worker's inventory from what its process reported, or null when that could not be read
   * (its loaded items stay unknown). A problem is logged when it starts or changes, and its end
   * once, not at every heartbeat it lasts.
   */
  #readInventory(
    spec: ProcessWorkerConfig,
    installed: WorkerInventory['installed'],
    load: ReportedLoad | null,
    problem: string | null,
  ): WorkerInventory | null {
    const previous = this.#inventoryProblems.get(spec.name);
    if (problem && problem !== previous) this.logger.warn({ worker: spec.name, problem }, 'cannot read what the worker loaded');
    if (!problem && previous) this.logger.info({ worker: spec.name }, 'what the worker loaded can be read again');
    if (problem) this.#inventoryProblems.set(spec.name, problem);
    else this.#inventoryProblems.delete(spec.name);
    return load ? { name: spec.name, installed, loaded: load.loaded, tenants: load.tenants } : null;
  }

  async start(): Promise<void> {
    for (const spec of this.specs) {
      const known = this.registry.get(spec.name);
      const sample = known ? sampleProcess(known.pid) : null;
      if (known && sample && !sample.zombie && sample.startTicks === known.startTicks) {
        this.#running.set(spec.name, { ...known, startedAt: Date.now() - uptimeSecondsOf(sample) * 1000, lastCpu: null, version: undefined });
        this.logger.info({ worker: spec.name, pid: known.pid }, 'adopted running worker');
      } else {
        await this.#spawn(spec);
      }
    }
  }

  async observe(): Promise<WorkerObservation[]> {
    const load1 = hostLoad();
    return Promise.all(
      this.specs.map(async (spec): Promise<WorkerObservation> => {
        const running = this.#running.get(spec.name);
        const sample = running ? sampleProcess(running.pid) : null;
        if (!running || !sample || sample.zombie || sample.startTicks !== running.startTicks) {
          return { name: spec.name, state: 'STOPPED', load1 };
        }
        const now = { cpuTicks: sample.cpuTicks, at: Date.now() };
        const cpu = running.lastCpu ? cpuPercent(running.lastCpu, now) : undefined;
        running.lastCpu = now;
        const health = spec.health ? await checkHealth(spec.health) : { healthy: true, version: undefined };
        if (health.version) running.version = health.version;
        if (health.inventoryUrl) this.#advertisedInventoryUrls.set(spec.name, health.inventoryUrl);
        const starting = Date.now() - running.startedAt < spec.startTimeout;
        return {
          name: spec.name,
          state: health.healthy ? 'HEALTHY' : starting ? 'STARTING' : 'UNHEALTHY',
          version: running.version,
          cpuPercent: cpu,
          memoryBytes: residentBytes(running.pid),
          load1,
          diskPercent: diskUsedPercent(spec.cwd ?? '/'),
          uptimeSeconds: Math.round(uptimeSecondsOf(sample)),
        };
      }),
    );
  }

  incarnation(name: string): string | null {
    const running = this.#running.get(name);
    return running ? `${running.pid}:${running.startTicks}` : null;
  }

  async restart(name: string): Promise<RestartOutcome> {
    const spec = this.specs.find((candidate) => candidate.name === name);
    if (!spec) return { ok: false, message: `No process worker named ${name}.`, details: {} };
    const before = this.#running.get(name);
    if (before) await this.#stop(spec, before);
    const after = await this.#spawn(spec);
    const deadline = Date.now() + spec.startTimeout;
    while (Date.now() < deadline) {
      const sample = sampleProcess(after.pid);
      if (!sample || sample.zombie) {
        return { ok: false, message: `${name} exited right after starting; see ${this.#logFile(name)}.`, details: { oldPid: before?.pid, newPid: after.pid } };
      }
      if (!spec.health || (await checkHealth(spec.health)).healthy) {
        return {
          ok: true,
          message: `${name} restarted (pid ${before?.pid ?? '-'} -> ${after.pid}) and is healthy`,
          details: { oldPid: before?.pid, newPid: after.pid },
        };
      }
      await sleep(POLL_MS);
    }
    return { ok: false, message: `${name} did not become healthy within ${spec.startTimeout} ms.`, details: { oldPid: before?.pid, newPid: after.pid } };
  }

  files(name: string): WorkerFiles | null {
    const spec = this.specs.find((candidate) => candidate.name === name);
    return spec ? new DirectoryWorkerFiles(spec) : null;
  }

  async close(): Promise<void> {
    this.#running.clear();
  }

  async #stop(spec: ProcessWorkerConfig, running: Running): Promise<void> {
    const alive = () => {
      const sample = sampleProcess(running.pid);
      return sample !== null && !sample.zombie && sample.startTicks === running.startTicks;
    };
    const signal = (name: NodeJS.Signals) => {
      try {
        // The worker leads its own process group; signal the group so its children stop too.
        process.kill(-running.pid, name);
      } catch {
        try {
          process.kill(running.pid, name);
        } catch {
          // Already gone.
        }
      }
    };
    if (!alive()) return;
    signal('SIGTERM');
    const deadline = Date.now() + spec.stopTimeout;
    while (alive() && Date.now() < deadline) await sleep(50);
    if (alive()) {
      this.logger.warn({ worker: spec.name, pid: running.pid }, 'worker ignored SIGTERM; killing it');
      signal('SIGKILL');
      while (alive()) await sleep(20);
    }
  }

  async #spawn(spec: ProcessWorkerConfig): Promise<Running> {
    fs.mkdirSync(this.logDir, { recursive: true });
    const log = fs.openSync(this.#logFile(spec.name), 'a');
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.name}: ${spec.command}`);
    let sample = sampleProcess(pid);
    for (let attempt = 0; !sample && attempt < 50; attempt += 1) {
      await sleep(10);
      sample = sampleProcess(pid);
    }
    const running: Running = { pid, startTicks: sample?.startTicks ?? 0, startedAt: Date.now(), lastCpu: null, version: undefined };
    this.#running.set(spec.name, running);
    this.registry.set(spec.name, { pid, startTicks: running.startTicks });
    this.logger.info({ worker: spec.name, pid }, 'started worker');
    return running;
  }

  #logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }
}
