import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { Agent } from '../agent.ts';
import { loadAgentConfig } from '../config.ts';
import { parseDuration } from '../shared/duration.ts';
import { counted } from '../shared/text.ts';
import { DEMO_CHANNEL, demoSecret, seedDemoAlerting, startDemoReceiver } from './demo-alerts.ts';
import { DEMO_CONFIG_NAME, DEMO_PATCH, installOldPatch, seedDemoContent } from './demo-content.ts';

export interface DemoOptions {
  /** The opscenter CLI entry point, used to start the OC, agents and workers. */
  cli: string;
  port: number;
  dir: string;
  fresh: boolean;
  simulatedClusters: number;
  simulatedWorkers: number;
}

interface DemoCluster {
  name: string;
  productKind: string;
  description: string;
  workers: number;
  tags: string[];
  /** The tenants each worker hosts, by worker number (1 is the first); the others host none. */
  tenants?: Record<number, string[]>;
}

const CLUSTERS: DemoCluster[] = [
  {
    name: 'app-servers',
    productKind: 'application-server',
    description: 'Customer-facing application servers',
    workers: 4,
    tags: ['datacenter 1'],
    // Customers' applications, each on two servers; the fourth server is being set up for a new one.
    tenants: { 1: ['acme', 'globex'], 2: ['acme', 'globex'], 3: ['initech', 'umbrella=suspended'], 4: ['initech', 'umbrella=suspended', 'hooli=provisioning'] },
  },
  { name: 'esb', productKind: 'esb', description: 'Enterprise service bus', workers: 2, tags: ['datacenter 1'] },
  { name: 'api-manager', productKind: 'api-manager', description: 'API gateway and publisher', workers: 3, tags: ['datacenter 2'] },
];

/** Liveness quick enough to watch a killed worker turn DOWN (see secondsUntilDown). */
export const DEMO_LIVENESS = {
  OPSCENTER_HEARTBEAT_INTERVAL: '2s',
  OPSCENTER_SUSPECT_AFTER: '3',
  OPSCENTER_DOWN_AFTER: '6',
  OPSCENTER_MANAGER_LEASE: '6s',
  OPSCENTER_WARMUP: '6s',
  OPSCENTER_ALERT_EVALUATION_INTERVAL: '2s',
};

/**
 * About how long after a worker is killed the OC shows it DOWN. Its manager reports it STOPPED
 * in its next batch, half an interval later on average; the OC judges it DOWN at the first
 * batch suspect-after intervals after that report, which, as the agent spreads its batches,
 * often comes an interval later still: about suspect-after + 1 intervals in all.
 */
export function secondsUntilDown(liveness: typeof DEMO_LIVENESS): number {
  const intervalMs = parseDuration(liveness.OPSCENTER_HEARTBEAT_INTERVAL) ?? 0;
  return Math.round(((Number(liveness.OPSCENTER_SUSPECT_AFTER) + 1) * intervalMs) / 1000);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the OC on the embedded database and a fleet of real processes (a manager agent per
 * cluster, each supervising demo workers), optionally with large simulated clusters, and stops
 * all of it on Ctrl-C.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  if (options.fresh) fs.rmSync(options.dir, { recursive: true, force: true });
  fs.mkdirSync(options.dir, { recursive: true });
  const passwordFile = path.join(options.dir, 'admin-password');
  if (!fs.existsSync(path.join(options.dir, 'data')) || !fs.existsSync(passwordFile)) {
    fs.rmSync(path.join(options.dir, 'data'), { recursive: true, force: true });
    fs.writeFileSync(passwordFile, randomBytes(12).toString('base64url'), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const url = `http://localhost:${options.port}`;
  const children: ChildProcess[] = [];
  const simulated: Agent[] = [];
  const log = (name: string) => fs.openSync(path.join(options.dir, `${name}.log`), 'a');
  const run = (args: string[], logName: string, env: Record<string, string> = {}) => {
    const output = log(logName);
    const child = spawn(process.execPath, [options.cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', output, output] });
    fs.closeSync(output);
    children.push(child);
    return child;
  };

  let stopping: Promise<void> | null = null;
  let receiver: { close(): void } = { close: () => {} };
  const stop = () => {
    stopping ??= (async () => {
      console.log('\nStopping the demo…');
      await Promise.all(simulated.map((agent) => agent.stop()));
      receiver.close();
      const agentsAndOc = children.filter((child) => child.exitCode === null);
      for (const child of agentsAndOc) child.kill('SIGTERM');
      await Promise.all(agentsAndOc.map((child) => new Promise((resolve) => child.once('exit', resolve))));
      for (const file of fs.readdirSync(options.dir).filter((name) => name.endsWith('.state.json'))) {
        const state = JSON.parse(fs.readFileSync(path.join(options.dir, file), 'utf8')) as { processes?: Record<string, { pid: number }> };
        for (const { pid } of Object.values(state.processes ?? {})) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
      }
      console.log('Stopped. Data is kept in', options.dir, '(run with --fresh to start over).');
    })();
    return stopping;
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  console.log('Starting the Operations Center…');
  const oc = run(['serve', '--port', String(options.port), '--data-dir', path.join(options.dir, 'data'), '--log-format', 'json'], 'oc', {
    OPSCENTER_INITIAL_ADMIN_PASSWORD: password,
    ...DEMO_LIVENESS,
  });
  await waitForServer(url, oc);
  const token = await login(url, password);

  for (const cluster of CLUSTERS) {
    const ports = await Promise.all(Array.from({ length: cluster.workers }, () => freePort()));
    const stateFile = path.join(options.dir, `${cluster.name}.state.json`);
    await ensureCluster(url, token, cluster);
    const enrollmentToken = fs.existsSync(stateFile) ? undefined : await createEnrollmentToken(url, token, cluster.name);
    const configFile = path.join(options.dir, `${cluster.name}.yaml`);
    fs.writeFileSync(configFile, stringify(agentConfig(options, cluster, ports, url, enrollmentToken)));
    run(['agent', '--config', configFile], `${cluster.name}-agent`);
  }
  await seedDemoContent(call, url, token);
  const started = await startDemoReceiver(demoSecret(options.dir), path.join(options.dir, 'notifications.log'));
  receiver = started;
  await seedDemoAlerting(call, url, token, started.url, demoSecret(options.dir));

  for (let index = 1; index <= options.simulatedClusters; index += 1) {
    const name = `sim-${String(index).padStart(2, '0')}`;
    const stateFile = path.join(options.dir, `${name}.state.json`);
    await ensureCluster(url, token, { name, productKind: 'simulated', description: 'Simulated cluster', workers: 0, tags: [`datacenter ${(index % 3) + 1}`] });
    const enrollmentToken = fs.existsSync(stateFile) ? undefined : await createEnrollmentToken(url, token, name);
    const configFile = path.join(options.dir, `${name}.yaml`);
    fs.writeFileSync(
      configFile,
      stringify({
        oc: { url, ...(enrollmentToken ? { enrollmentToken } : {}) },
        cluster: name,
        manager: { name: `${name}-manager` },
        workers: [
          {
            driver: 'simulated',
            namePrefix: `${name}-w`,
            count: options.simulatedWorkers,
            behaviour: { startDelay: '3s', ...(index % 5 === 0 ? { flapEvery: '2m' } : {}) },
          },
        ],
      }),
    );
    const agent = new Agent(loadAgentConfig(configFile), pino({ level: 'warn' }, pino.destination(path.join(options.dir, `${name}-agent.log`))));
    await agent.start();
    simulated.push(agent);
  }

  const workerCount = CLUSTERS.reduce((sum, cluster) => sum + cluster.workers, 0);
  console.log(`
Operations Center demo is running.

  Dashboard:  ${url}
  Login:      admin / ${password}
  GraphQL:    ${url}/graphql

  Fleet: ${counted(CLUSTERS.length, 'cluster')} of real processes (${counted(workerCount, 'worker')}, each cluster with its own manager agent)${
    options.simulatedClusters ? `\n         + ${counted(options.simulatedClusters, 'simulated cluster')} of ${counted(options.simulatedWorkers, 'worker')}` : ''
  }
  Try:   kill a worker and watch it turn red (about ${secondsUntilDown(DEMO_LIVENESS)} s later):
           kill $(node -p "require('${path.join(options.dir, 'app-servers.state.json')}').processes['app-servers-2'].pid")
           a webhook receiver in this demo prints the one notification the worker-down rule sends (${DEMO_CHANNEL});
         stop a manager agent and watch its cluster become unreachable: one notification, not one per worker.
         open Content and Baselines: the fleet baseline wants ${DEMO_PATCH.name} version 2 and holds the ESB on version 1;
           every worker starts with version 1.
  Logs:  ${options.dir}/*.log

Press Ctrl-C to stop everything.`);
  await new Promise<void>((resolve) => oc.once('exit', () => resolve()));
  if (!stopping) {
    console.error('The OC stopped unexpectedly; see', path.join(options.dir, 'oc.log'));
    await stop();
    process.exit(1);
  }
}

function agentConfig(options: DemoOptions, cluster: DemoCluster, ports: number[], url: string, enrollmentToken: string | undefined) {
  return {
    oc: { url, ...(enrollmentToken ? { enrollmentToken } : {}) },
    cluster: cluster.name,
    manager: { name: `${cluster.name}-manager`, address: '127.0.0.1' },
    workers: ports.map((port, index) => {
      const name = `${cluster.name}-${index + 1}`;
      const patchesDir = path.join(options.dir, 'patches', name);
      fs.mkdirSync(patchesDir, { recursive: true });
      installOldPatch(patchesDir);
      // The settings file the fleet baseline's template renders; absent at first, so it starts MISSING.
      const configFile = path.join(options.dir, 'config', name, DEMO_CONFIG_NAME);
      fs.mkdirSync(path.dirname(configFile), { recursive: true });
      return {
        driver: 'process',
        name,
        command: process.execPath,
        args: [
          options.cli,
          'worker',
          '--name',
          name,
          '--port',
          String(port),
          '--version',
          '4.2.0',
          '--patches-dir',
          patchesDir,
          '--config-file',
          configFile,
          '--start-delay',
          '2s',
          '--exit-with',
          String(process.pid),
          ...(cluster.tenants?.[index + 1] ?? []).flatMap((tenant) => ['--tenant', tenant]),
        ],
        address: `127.0.0.1:${port}`,
        health: { http: `http://127.0.0.1:${port}/health` },
        // The demo worker serves a small management console of its own.
        consoleUrl: `http://127.0.0.1:${port}/console`,
        patchesDir,
        configFiles: [configFile],
        stopTimeout: '5s',
        startTimeout: '20s',
      };
    }),
  };
}

async function call<Data = unknown>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Data> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: Data; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors[0].message);
  return body.data;
}

async function waitForServer(url: string, oc: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (oc.exitCode !== null) throw new Error('The OC did not start; see its log in the demo directory.');
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('The OC did not start within two minutes.');
}

async function login(url: string, password: string): Promise<string> {
  const data = await call<{ login: { token?: string; message?: string } }>(
    url,
    `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } ... on Error { message } } }`,
    { p: password },
  );
  if (!data.login.token) throw new Error(`Cannot log in as admin (${data.login.message}); run the demo with --fresh.`);
  return data.login.token;
}

/**
 * The demo's managers serve no console, so its clusters have no console URL; each demo worker
 * links its own. Demo data from older versions pointed the cluster's console at a worker's.
 */
async function ensureCluster(url: string, token: string, cluster: DemoCluster): Promise<void> {
  const existing = await call<{ cluster: { id: string; consoleUrl: string | null } | null }>(
    url,
    'query($n: String!) { cluster(name: $n) { id consoleUrl } }',
    { n: cluster.name },
    token,
  );
  if (existing.cluster) {
    if (existing.cluster.consoleUrl)
      await call(url, 'mutation($id: ID!) { updateCluster(id: $id, input: { consoleUrl: null }) { __typename } }', { id: existing.cluster.id }, token);
    return;
  }
  await call(
    url,
    'mutation($input: CreateClusterInput!) { createCluster(input: $input) { __typename } }',
    { input: { name: cluster.name, productKind: cluster.productKind, description: cluster.description, tags: cluster.tags } },
    token,
  );
}

async function createEnrollmentToken(url: string, token: string, cluster: string): Promise<string> {
  const data = await call<{ createEnrollmentToken: { token: string } }>(
    url,
    'mutation($c: String!) { createEnrollmentToken(cluster: $c) { ... on EnrollmentToken { token } } }',
    { c: cluster },
    token,
  );
  return data.createEnrollmentToken.token;
}
