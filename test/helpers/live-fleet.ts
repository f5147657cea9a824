import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createPersistentDatabase, PGLITE_TEMPLATE_DIR_ENV } from './database.ts';
import { call, gql, ok } from './gql.ts';
import { freePort, type RunningProcess, runOpscenter } from './process.ts';

export const LIVE_PASSWORD = 'live-fleet-admin-password';

/** Liveness fast enough for tests with real processes: DOWN within a couple of seconds. */
export const FAST_LIVENESS = {
  OPSCENTER_HEARTBEAT_INTERVAL: '300ms',
  OPSCENTER_SUSPECT_AFTER: '3',
  OPSCENTER_DOWN_AFTER: '6',
  OPSCENTER_MANAGER_LEASE: '1500ms',
  OPSCENTER_WARMUP: '1500ms',
  OPSCENTER_SWEEP_INTERVAL: '200ms',
};

/** A real OC process on its own port and data directory (or DATABASE_URL when testing on PostgreSQL). */
export class LiveOc {
  process!: RunningProcess;
  token = '';
  readonly url: string;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    readonly database: Awaited<ReturnType<typeof createPersistentDatabase>>,
    readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts on the embedded database, or on a scratch PostgreSQL database when TEST_DATABASE_URL is set. */
  static async start(env: Record<string, string> = {}): Promise<LiveOc> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-live-'));
    const database = await createPersistentDatabase(path.join(dataDir, 'data'));
    const template = process.env[PGLITE_TEMPLATE_DIR_ENV];
    if (!database.url && template) fs.cpSync(template, path.join(dataDir, 'data'), { recursive: true });
    const oc = new LiveOc(await freePort(), dataDir, database, env);
    try {
      await oc.restart();
    } catch (error) {
      // An OC that did not come up is still a process: leave nothing running behind a failed start.
      await oc.dispose();
      throw error;
    }
    return oc;
  }

  async restart(): Promise<void> {
    this.process = runOpscenter(['serve', '--port', String(this.port), '--host', '127.0.0.1', '--data-dir', path.join(this.dataDir, 'data')], {
      DATABASE_URL: this.database.url,
      OPSCENTER_INITIAL_ADMIN_PASSWORD: LIVE_PASSWORD,
      OPSCENTER_LOG_LEVEL: 'info',
      ...FAST_LIVENESS,
      ...this.env,
    });
    await this.process.waitFor(/listening on/);
    const login = ok<any>(
      await gql(this.url, `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`, { p: LIVE_PASSWORD }),
    );
    this.token = login.login.token;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.process.child.kill(signal);
    await this.process.exited;
  }

  query<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return call<T>(this.url, query, variables, this.token);
  }

  async createCluster(name: string, productKind = 'application-server'): Promise<string> {
    const result = await this.query(`mutation($n: String!, $k: String!) { createCluster(input: { name: $n, productKind: $k }) { ... on Cluster { id } } }`, {
      n: name,
      k: productKind,
    });
    return result.createCluster.id;
  }

  async enrollmentToken(cluster: string): Promise<string> {
    return (await this.query(`mutation($c: String!) { createEnrollmentToken(cluster: $c) { ... on EnrollmentToken { token } } }`, { c: cluster }))
      .createEnrollmentToken.token;
  }

  async statuses(cluster: string): Promise<Record<string, { status: string; cause: string; id: string }>> {
    const result = await this.query(`query($n: String!) { cluster(name: $n) { nodes(first: 100) { nodes { id name status statusCause } } } }`, { n: cluster });
    return Object.fromEntries(result.cluster.nodes.nodes.map((node: any) => [node.name, { status: node.status, cause: node.statusCause, id: node.id }]));
  }

  /** Polls until `check` passes (or fails the test with what it last saw). */
  async eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    let last: T = await read();
    while (!check(last)) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms; last value: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      last = await read();
    }
    return last;
  }

  async dispose(): Promise<void> {
    this.process.child.kill('SIGKILL');
    await this.process.exited;
    await this.database.dispose();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface LiveAgentOptions {
  cluster: string;
  workers: number;
  /** Extra worker flags, e.g. ['--start-delay', '2s']; later flags win over the defaults. */
  workerArgs?: (index: number, agent: LiveAgent) => string[];
  enrollmentToken?: string;
  /** Where the agent reaches the OC, when not directly (e.g. through a fault-injecting proxy). */
  ocUrl?: string;
  /** Gives each worker a config file (see workerConfigFile()) that it reads at start and the agent manages. */
  withConfigFile?: boolean;
  /** How long a restart waits for a worker to become healthy (20s unless given). */
  startTimeout?: string;
  /** Extra settings of a worker's agent configuration, e.g. an inventoryCommand; they win over the defaults. */
  workerSettings?: (index: number, agent: LiveAgent) => Record<string, unknown>;
}

/** A real manager agent process supervising real demo-worker processes. */
export class LiveAgent {
  process!: RunningProcess;
  readonly configFile: string;
  readonly stateFile: string;

  constructor(
    readonly oc: LiveOc,
    readonly dir: string,
    readonly options: LiveAgentOptions,
    readonly ports: number[],
  ) {
    this.configFile = path.join(dir, `${options.cluster}.yaml`);
    this.stateFile = path.join(dir, `${options.cluster}.state.json`);
  }

  static async create(oc: LiveOc, options: LiveAgentOptions): Promise<LiveAgent> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oc-agent-${options.cluster}-`));
    const ports = await Promise.all(Array.from({ length: options.workers }, () => freePort()));
    const agent = new LiveAgent(oc, dir, options, ports);
    agent.writeConfig();
    return agent;
  }

  /** Creating this file makes the worker's next start come up unhealthy for good. */
  failFile(name: string): string {
    return path.join(this.dir, `${name}.fail`);
  }

  patchesDir(name: string): string {
    return path.join(this.dir, 'patches', name);
  }

  workerConfigFile(name: string): string {
    return path.join(this.dir, 'config', name, 'worker.properties');
  }

  workerName(index: number): string {
    return `${this.options.cluster}-${index + 1}`;
  }

  writeConfig(): void {
    const opscenter = path.resolve(import.meta.dirname, '../../api/bin/opscenter.js');
    const config = {
      oc: { url: this.options.ocUrl ?? this.oc.url, ...(this.options.enrollmentToken ? { enrollmentToken: this.options.enrollmentToken } : {}) },
      cluster: this.options.cluster,
      manager: { name: `${this.options.cluster}-manager`, address: '127.0.0.1' },
      workers: this.ports.map((port, index) => {
        const patchesDir = this.patchesDir(this.workerName(index));
        fs.mkdirSync(patchesDir, { recursive: true });
        const configFile = this.workerConfigFile(this.workerName(index));
        if (this.options.withConfigFile) {
          fs.mkdirSync(path.dirname(configFile), { recursive: true });
          fs.writeFileSync(configFile, `name=${this.workerName(index)}\n`);
        }
        return {
          driver: 'process',
          name: this.workerName(index),
          command: process.execPath,
          args: [
            opscenter,
            'worker',
            '--name',
            this.workerName(index),
            '--port',
            String(port),
            '--patches-dir',
            patchesDir,
            '--exit-with',
            String(process.pid),
            '--fail-health-if-exists',
            this.failFile(this.workerName(index)),
            ...(this.options.withConfigFile ? ['--config-file', configFile] : []),
            ...(this.options.workerArgs?.(index, this) ?? []),
          ],
          address: `127.0.0.1:${port}`,
          health: { http: `http://127.0.0.1:${port}/health` },
          consoleUrl: `http://127.0.0.1:${port}/console`,
          patchesDir,
          ...(this.options.withConfigFile ? { configFiles: [configFile] } : {}),
          stopTimeout: '3s',
          startTimeout: this.options.startTimeout ?? '20s',
          ...this.options.workerSettings?.(index, this),
        };
      }),
    };
    fs.writeFileSync(this.configFile, stringify(config));
  }

  start(extraArgs: string[] = []): RunningProcess {
    this.process = runOpscenter(['agent', '--config', this.configFile, ...extraArgs], { OPSCENTER_LOG_LEVEL: 'info' });
    return this.process;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.process.child.kill(signal);
    await this.process.exited;
  }

  state(): { credential?: string; processes: Record<string, { pid: number }> } {
    return JSON.parse(fs.readFileSync(this.stateFile, 'utf8'));
  }

  pid(worker: string): number {
    return this.state().processes[worker].pid;
  }

  /** Kills every worker process this agent started (they outlive the agent by design). */
  dispose(): void {
    this.process?.child.kill('SIGKILL');
    if (fs.existsSync(this.stateFile)) {
      for (const { pid } of Object.values(this.state().processes)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
