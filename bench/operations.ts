// Operations engine overhead: one ROLLING_RESTART over the whole system while simulated managers
// restart their workers instantly, next to the minimal SQL a step needs, timed on the same engine
// in the same run.
//
// Usage: npm run bench:operations [-- --clusters 50 --workers 40 --heartbeat-ms 1000 --tick 500ms --max-parallel 0]
//   --clusters N       clusters, each with one scripted manager (default 50)
//   --workers N        workers per cluster; every worker is restarted once (default 40)
//   --heartbeat-ms N   each manager's periodic heartbeat interval; also the OC's heartbeat interval (default 1000)
//   --tick D           the OC's operations tick (OPSCENTER_OPERATIONS_TICK, default 500ms, the OC's own default)
//   --max-parallel N   the operation's maxParallel; 0 (default) = every step in one batch, so each cluster
//                      proceeds on its own within its disruption budget (maxUnavailable 1). N = clusters gives
//                      lock-step batches of one node per cluster.
//   --lease D          the OC's manager lease (OPSCENTER_MANAGER_LEASE, default 60s; the OC's default is 15s,
//                      which a saturated OC can miss: see the stall lines printed when a run fails)
//   --engines LIST     pglite,postgres (default: pglite, plus postgres when a server URL is set)
// Runs on the embedded database, and on PostgreSQL too when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
// names a server database to create scratch databases from (e.g. postgres://postgres@127.0.0.1:5432/postgres).
// BENCH_SERVER_NODE_ARGS passes Node flags to the OC process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
//
// The OC runs in its own process (bench/operations-server.ts: the real app on a real port, with the
// ORM's query hook counting statements). Each manager is a scripted client speaking the real agent
// API: it registers, reports membership, heartbeats its manager and workers over HTTP, and takes
// commands from its agentCommands subscription over graphql-ws. A RESTART is instant: the manager
// reports RUNNING then SUCCEEDED (as agent/src/agent.ts does) and sends its next heartbeat batch
// right away, with the worker HEALTHY (minHealthyTime 0s).
//
// Overhead per step: for each step after a cluster's first, the time from the heartbeat that showed
// the previous step's node healthy (the first batch sent after its SUCCEEDED report was answered)
// to the arrival of the next command for that cluster at its manager (performance.now() in this
// process, which sends the one and receives the other). In lock-step mode the reference is the
// last such heartbeat of the previous batch. SQL per step: statements the OC issued from the
// operation's creation to its end, divided by the steps; "without heartbeats" leaves out the
// heartbeat ingest (the batch upsert) and liveness stats writes that ran meanwhile.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { type Client, createClient } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import { scratchDatabase } from '../test/helpers/database.ts';
import { call } from '../test/helpers/gql.ts';
import { CREATE_OPERATION } from '../test/helpers/operations.ts';
import { freePort } from '../test/helpers/process.ts';
import type { Counters } from './operations-server.ts';

const { values } = parseArgs({
  options: {
    clusters: { type: 'string', default: '50' },
    workers: { type: 'string', default: '40' },
    'heartbeat-ms': { type: 'string', default: '1000' },
    tick: { type: 'string', default: '500ms' },
    'max-parallel': { type: 'string', default: '0' },
    lease: { type: 'string', default: '60s' },
    engines: { type: 'string' },
  },
});
const CLUSTERS = Number(values.clusters);
const WORKERS = Number(values.workers);
const HEARTBEAT_MS = Number(values['heartbeat-ms']);
const TICK = values.tick;
const STEPS = CLUSTERS * WORKERS;
const MAX_PARALLEL = Number(values['max-parallel']) || STEPS;
const PASSWORD = 'bench-admin-password';
const SERVER = path.join(import.meta.dirname, 'operations-server.ts');
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const ENGINES = (values.engines ?? (serverUrl ? 'pglite,postgres' : 'pglite')).split(',') as ('pglite' | 'postgres')[];

const pad = (value: number, width: number) => String(value).padStart(width, '0');
const clusterName = (cluster: number) => `op-${pad(cluster, String(CLUSTERS - 1).length)}`;
const workerName = (cluster: number, worker: number) => `${clusterName(cluster)}-w${pad(worker, String(WORKERS - 1).length)}`;

function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs `work` over `items`, `parallel` at a time. */
async function each<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const BEAT = `mutation($input: HeartbeatBatchInput!) { sendHeartbeats(input: $input) { __typename ... on HeartbeatReceipt { accepted stale } ... on Error { code message } } }`;
const REPORT = `mutation($input: CommandProgressInput!) { reportCommandProgress(input: $input) { __typename ... on CommandReceipt { state } ... on Error { code message } } }`;

interface Command {
  id: string;
  kind: string;
  nodeName: string;
  epoch: number;
}

/** Statements of heartbeat ingest and liveness bookkeeping, as opposed to the operation's own work. */
const isHeartbeatSql = (text: string) => /batch_sequence = |"batch_sequence" from "node_liveness"|node_stats/.test(text);

interface OcResult {
  steps: number;
  seconds: number;
  overhead: number[];
  overheadFromAck: number[];
  startLatency: number[];
  unmatched: number;
  beatRtt: number[];
  reportRtt: number[];
  counters: Counters;
  beatsDuring: number;
  hbWindow: { counters: Counters; beats: number };
  databaseUrl?: string;
  dataDir: string;
}

/** Starts the OC process and returns a handle for its IPC messages. */
function startServer(env: Record<string, string | undefined>) {
  const child = fork(SERVER, [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { ...process.env, DATABASE_URL: undefined, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: { type: string; resolve: (message: any) => void }[] = [];
  const finished: any[] = [];
  child.on('message', (message: any) => {
    if (message.type === 'finished') finished.push(message);
    const index = waiters.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (type: string, ms = 120_000) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the OC sent no "${type}" within ${ms} ms`)), ms);
      void exited.then(() => reject(new Error(`the OC exited while waiting for "${type}"`)));
      waiters.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  return {
    child,
    exited,
    next,
    finished,
    async request<T>(type: string, reply: string): Promise<T> {
      const answer = next(reply);
      child.send({ type });
      return answer;
    },
  };
}

async function throughOc(databaseUrl: string | undefined): Promise<OcResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-bench-ops-'));
  const port = await freePort();
  const server = startServer({
    DATABASE_URL: databaseUrl,
    OPSCENTER_PORT: String(port),
    OPSCENTER_HOST: '127.0.0.1',
    OPSCENTER_DATA_DIR: dataDir,
    OPSCENTER_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    OPSCENTER_LOG_FORMAT: 'json',
    OPSCENTER_INITIAL_ADMIN_PASSWORD: PASSWORD,
    OPSCENTER_HEARTBEAT_INTERVAL: `${HEARTBEAT_MS}ms`,
    OPSCENTER_WARMUP: '1s',
    OPSCENTER_MANAGER_LEASE: values.lease,
    OPSCENTER_OPERATIONS_TICK: TICK,
    OPSCENTER_MAX_HEARTBEAT_BATCH: String(WORKERS + 1),
  });
  const clients: Client[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const { url } = await server.next('ready');
    const admin = (await call(url, `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`, { p: PASSWORD })).login
      .token;

    // --- the fleet: one registered manager per cluster, its workers reported as members ---
    const credentials: string[] = new Array(CLUSTERS);
    await each([...Array(CLUSTERS).keys()], 4, async (cluster) => {
      const name = clusterName(cluster);
      await call(url, `mutation($n: String!) { createCluster(input: { name: $n, productKind: "bench" }) { __typename } }`, { n: name }, admin);
      const token = (await call(url, `mutation($n: String!) { createEnrollmentToken(cluster: $n) { ... on EnrollmentToken { token } } }`, { n: name }, admin))
        .createEnrollmentToken.token;
      const registration = await call(
        url,
        `mutation($i: RegisterManagerInput!) { registerManager(input: $i) { __typename ... on ManagerRegistration { credential } } }`,
        {
          i: { enrollmentToken: token, cluster: name, manager: { name: `${name}-manager` } },
        },
      );
      credentials[cluster] = registration.registerManager.credential;
      await call(
        url,
        `mutation($i: MembershipInput!) { reportMembership(input: $i) { __typename } }`,
        { i: { snapshot: Array.from({ length: WORKERS }, (_, worker) => ({ name: workerName(cluster, worker) })) } },
        credentials[cluster],
      );
    });

    // --- what the managers see and do ---
    const triggers = Array.from({ length: CLUSTERS }, () => new Array<number | undefined>(WORKERS));
    const triggerAcks = Array.from({ length: CLUSTERS }, () => new Array<number | undefined>(WORKERS));
    const overhead: number[] = [];
    const overheadFromAck: number[] = [];
    const startLatency: number[] = [];
    const beatRtt: number[] = [];
    const reportRtt: number[] = [];
    let unmatched = 0;
    let beats = 0;
    let createdAt = 0;
    let received = 0;
    const failures: string[] = [];
    const batchOf = (cluster: number, worker: number) => Math.floor((worker * CLUSTERS + cluster) / MAX_PARALLEL);

    interface Manager {
      cluster: number;
      credential: string;
      sequence: number;
      chain: Promise<void>;
      restarting: number;
      beating: boolean;
      lastAck: number;
      seen: Set<string>;
      /** Workers restarted and reported SUCCEEDED whose healthy heartbeat has not been sent yet. */
      awaitingBeat: number[];
    }
    const managers: Manager[] = credentials.map((credential, cluster) => ({
      cluster,
      credential,
      sequence: 0,
      chain: Promise.resolve(),
      restarting: 0,
      beating: false,
      lastAck: performance.now(),
      seen: new Set(),
      awaitingBeat: [],
    }));
    const entries = (cluster: number) =>
      JSON.stringify([
        { name: `${clusterName(cluster)}-manager`, state: 'HEALTHY' },
        ...Array.from({ length: WORKERS }, (_, worker) => ({
          name: workerName(cluster, worker),
          state: 'HEALTHY',
          cpuPercent: 20,
          memoryBytes: 512e6,
          load1: 0.5,
          diskPercent: 40,
          uptimeSeconds: 1000,
        })),
      ]);
    const bodies = managers.map((manager) => entries(manager.cluster));

    /** Sends the manager's next heartbeat batch (one at a time per manager, so sequences stay in order). */
    const beat = (manager: Manager) => {
      manager.chain = manager.chain
        .then(async () => {
          manager.sequence += 1;
          const flushed = manager.awaitingBeat.splice(0);
          const sentAt = performance.now();
          for (const worker of flushed) triggers[manager.cluster][worker] = sentAt;
          const response = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${manager.credential}` },
            body: `{"query":${JSON.stringify(BEAT)},"variables":{"input":{"sequence":${manager.sequence},"entries":${bodies[manager.cluster]}}}}`,
          });
          const body = (await response.json()) as { data?: { sendHeartbeats: { __typename: string; stale?: boolean } }; errors?: unknown };
          const ackAt = performance.now();
          manager.lastAck = ackAt;
          for (const worker of flushed) triggerAcks[manager.cluster][worker] = ackAt;
          beats += 1;
          beatRtt.push(ackAt - sentAt);
          if (body.data?.sendHeartbeats.__typename !== 'HeartbeatReceipt' || body.data.sendHeartbeats.stale)
            failures.push(`heartbeat: ${JSON.stringify(body)}`);
        })
        .catch((error: Error) => {
          failures.push(`heartbeat: ${error.message}`);
        });
      return manager.chain;
    };

    const debug: string[] = [];
    const stalls: string[] = [];
    timers.push(
      setInterval(() => {
        const now = performance.now();
        const late = managers.filter((manager) => now - manager.lastAck > 5000);
        if (late.length && createdAt)
          stalls.push(
            `${((now - createdAt) / 1000).toFixed(1)}s: ${late.length} manager(s) without a heartbeat answer for over 5 s (${late
              .slice(0, 3)
              .map((manager) => `${clusterName(manager.cluster)} ${debug[manager.cluster] || ''}`)
              .join(', ')})`,
          );
      }, 1000),
    );
    const report = async (manager: Manager, command: Command, state: 'RUNNING' | 'SUCCEEDED', message: string) => {
      const sentAt = performance.now();
      debug[manager.cluster] = `report ${state} ${command.nodeName} sent at ${(sentAt - createdAt).toFixed(0)}`;
      const data = await call(url, REPORT, { input: { commandId: command.id, epoch: command.epoch, state, message } }, manager.credential);
      debug[manager.cluster] = '';
      reportRtt.push(performance.now() - sentAt);
      if (data.reportCommandProgress.__typename !== 'CommandReceipt') throw new Error(JSON.stringify(data.reportCommandProgress));
    };

    const onCommand = (manager: Manager, command: Command) => {
      const receivedAt = performance.now();
      if (manager.seen.has(command.id)) return;
      manager.seen.add(command.id);
      received += 1;
      const worker = Number(command.nodeName.slice(command.nodeName.lastIndexOf('-w') + 2));
      const cluster = manager.cluster;
      const batch = batchOf(cluster, worker);
      // The steps this one had to wait for: the previous batch, and this cluster's previous step in the same batch.
      const before: [number, number][] = [];
      if (batch > 0) {
        for (let c = 0; c < CLUSTERS; c += 1) for (let w = 0; w < WORKERS; w += 1) if (batchOf(c, w) === batch - 1) before.push([c, w]);
      }
      if (worker > 0 && batchOf(cluster, worker - 1) === batch) before.push([cluster, worker - 1]);
      if (before.length === 0) startLatency.push(receivedAt - createdAt);
      else {
        const sent = before.map(([c, w]) => triggers[c][w]);
        const acked = before.map(([c, w]) => triggerAcks[c][w]);
        if (sent.some((at) => at === undefined)) unmatched += 1;
        else {
          overhead.push(receivedAt - Math.max(...(sent as number[])));
          if (acked.every((at) => at !== undefined)) overheadFromAck.push(receivedAt - Math.max(...(acked as number[])));
        }
      }
      // The instant restart, reported as the agent reports it; the next batch shows the worker healthy.
      manager.restarting += 1;
      void (async () => {
        try {
          if (command.kind !== 'RESTART') throw new Error(`unexpected command ${command.kind}`);
          await report(manager, command, 'RUNNING', `restarting ${command.nodeName}`);
          await report(manager, command, 'SUCCEEDED', 'restarted');
          manager.awaitingBeat.push(worker);
        } catch (error) {
          failures.push(`report: ${(error as Error).message}`);
        } finally {
          manager.restarting -= 1;
        }
        await beat(manager);
      })();
    };

    await Promise.all(
      managers.map(
        (manager) =>
          new Promise<void>((resolve) => {
            const client = createClient({
              url: `${url.replace('http', 'ws')}/graphql`,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${manager.credential}` },
              lazy: false,
              retryAttempts: 0,
              onNonLazyError: (error) => failures.push(`socket: ${String(error)}`),
            });
            clients.push(client);
            client.on('connected', () => resolve());
            client.subscribe<{ agentCommands: Command }>(
              { query: 'subscription { agentCommands { id kind nodeId nodeName params operationId stepId epoch } }' },
              {
                next: (message) => message.data && onCommand(manager, message.data.agentCommands),
                error: (error) => failures.push(`subscription: ${JSON.stringify(error)}`),
                complete: () => {},
              },
            );
          }),
      ),
    );

    // Every worker UP before the operation starts, then steady periodic heartbeats (staggered).
    await Promise.all(managers.map((manager) => beat(manager)));
    for (const manager of managers) {
      const start = setTimeout(
        () => {
          timers.push(
            setInterval(() => {
              // Like a real agent, it keeps beating while it restarts a worker (the manager's lease must not
              // run out), but it does not pile up batches while the OC is slow to answer.
              if (manager.beating) return;
              manager.beating = true;
              void beat(manager).finally(() => {
                manager.beating = false;
              });
            }, HEARTBEAT_MS),
          );
        },
        (HEARTBEAT_MS * manager.cluster) / CLUSTERS,
      );
      timers.push(start);
    }
    const plan = await call(
      url,
      `query($i: OperationInput!) { planOperation(input: $i) { warnings batches { nodes { status } } } }`,
      {
        i: { kind: 'ROLLING_RESTART', target: { all: true } },
      },
      admin,
    );
    const notUp = plan.planOperation.batches
      .flatMap((batch: { nodes: { status: string }[] }) => batch.nodes)
      .filter((node: { status: string }) => node.status !== 'UP').length;
    if (plan.planOperation.warnings.length || notUp)
      throw new Error(`the fleet is not ready: ${notUp} node(s) not UP, ${plan.planOperation.warnings.join('; ')}`);

    // Heartbeats alone for a few intervals: what one batch costs in SQL.
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
    await server.request('reset', 'reset');
    const beatsBefore = beats;
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    const hbCounters = (await server.request<{ counters: Counters }>('read', 'counters')).counters;
    const hbWindow = { counters: hbCounters, beats: beats - beatsBefore };

    // --- the rolling restart ---
    await server.request('reset', 'reset');
    const beatsAtStart = beats;
    createdAt = performance.now();
    const created = await call(
      url,
      CREATE_OPERATION,
      {
        input: {
          kind: 'ROLLING_RESTART',
          target: { all: true },
          description: 'bench: rolling restart',
          strategy: { maxParallel: MAX_PARALLEL, maxUnavailable: 1, minHealthyTime: '0s', healthyDeadline: '2m', progressDeadline: '5m' },
        },
      },
      admin,
    );
    if (created.createOperation.__typename !== 'Operation') throw new Error(JSON.stringify(created.createOperation));
    const operationId = created.createOperation.id as string;
    const finished = await (async () => {
      const deadline = Date.now() + Math.max(300_000, STEPS * 500);
      for (;;) {
        const found = server.finished.find((message) => message.id === operationId);
        if (found) return found as { state: string; counters: Counters };
        if (Date.now() > deadline)
          throw new Error(`the operation did not finish: ${received} of ${STEPS} commands received; ${failures.slice(0, 5).join('; ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const beatsDuring = beats - beatsAtStart;
    for (const timer of timers) clearInterval(timer);
    await Promise.all(managers.map((manager) => manager.chain));
    const times = (
      await call(url, `query($id: ID!) { operation(id: $id) { state stateReason createdAt finishedAt progress { succeeded } } }`, { id: operationId }, admin)
    ).operation;
    if (finished.state !== 'SUCCEEDED' || times.progress.succeeded !== STEPS) {
      const failed: string[] = [];
      for (let after: string | null = null; ; ) {
        const page: any = (
          await call(
            url,
            `query($id: ID!, $after: String) { operation(id: $id) { steps(first: 100, after: $after) { nodes { nodeName state message } pageInfo { hasNextPage endCursor } } } }`,
            { id: operationId, after },
            admin,
          )
        ).operation.steps;
        for (const step of page.nodes)
          if (step.state === 'FAILED' || step.state === 'TIMED_OUT') failed.push(`${step.nodeName} ${step.state}: ${step.message}`);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      console.error(failed.join('\n'));
      console.error(stalls.join('\n'));
      for (const manager of managers) {
        if (manager.restarting || debug[manager.cluster])
          console.error(`${clusterName(manager.cluster)}: restarting ${manager.restarting}, commands ${manager.seen.size}, ${debug[manager.cluster] ?? ''}`);
      }
    }
    if (finished.state !== 'SUCCEEDED' || times.progress.succeeded !== STEPS)
      throw new Error(
        `the operation ended ${finished.state} (${times.stateReason}) with ${times.progress.succeeded} of ${STEPS} steps; ${failures.slice(0, 5).join('; ')}`,
      );
    if (failures.length) throw new Error(`${failures.length} client failure(s): ${failures.slice(0, 5).join('; ')}`);
    return {
      steps: STEPS,
      seconds: (Date.parse(times.finishedAt) - Date.parse(times.createdAt)) / 1000,
      overhead,
      overheadFromAck,
      startLatency,
      unmatched,
      beatRtt,
      reportRtt,
      counters: finished.counters,
      beatsDuring,
      hbWindow,
      databaseUrl,
      dataDir,
    };
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const client of clients) await client.dispose();
    if (server.child.exitCode === null) server.child.send({ type: 'stop' });
    const killer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
    await server.exited;
    clearTimeout(killer);
  }
}

interface RawResult {
  p50: number;
  p99: number;
  stepsPerSecond: number;
}

/**
 * The floor: what a step minimally writes, one transaction per step on one connection, on the same
 * engine and the database the OC just used: mark the finished step SUCCEEDED, insert the next
 * step's RESTART command and mark that step DISPATCHED (three statements, one commit).
 */
async function rawSteps(databaseUrl: string | undefined, dataDir: string): Promise<RawResult> {
  type Run = (text: string, params?: unknown[]) => Promise<any[]>;
  let close: () => Promise<unknown>;
  let run: Run;
  let transaction: (work: (run: Run) => Promise<void>) => Promise<void>;
  if (databaseUrl) {
    const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    close = () => client.end();
    run = (text, params = []) => client.unsafe(text, params as never[]) as Promise<any[]>;
    transaction = async (work) => {
      await client.begin((tx) => work((text, params = []) => tx.unsafe(text, params as never[]) as Promise<any[]>));
    };
  } else {
    const client = await PGlite.create(dataDir);
    close = () => client.close();
    run = async (text, params) => (await client.query(text, params)).rows as any[];
    transaction = (work) => client.transaction((tx) => work(async (text, params) => (await tx.query(text, params)).rows as any[]));
  }
  try {
    const nodes = await run(`select id, cluster_id from nodes where role = 'WORKER' order by name`);
    const [operation] = await run(
      `insert into operations (kind, target, strategy, budgets, state, requested_by, input_hash, created_at, last_progress_at)
       values ('ROLLING_RESTART', '{}', '{}', '{}', 'RUNNING', 'bench', 'raw', now(), now()) returning id`,
    );
    const steps = await run(
      `insert into operation_steps (operation_id, batch, position, cluster_id, cluster_name, node_id, node_name, role)
       select $1, 0, n.position, n.cluster_id, 'raw', n.node_id, 'raw-' || n.position, 'WORKER'
       from unnest($2::uuid[], $3::uuid[]) with ordinality as n(node_id, cluster_id, position) returning id, node_id, cluster_id`,
      [operation.id, nodes.map((node) => node.id), nodes.map((node) => node.cluster_id)],
    );
    const latencies: number[] = [];
    const started = performance.now();
    for (let index = 0; index + 1 < steps.length; index += 1) {
      const [done, next] = [steps[index], steps[index + 1]];
      const at = performance.now();
      await transaction(async (tx) => {
        await tx(`update operation_steps set state = 'SUCCEEDED', finished_at = now(), healthy_at = now() where id = $1`, [done.id]);
        const [command] = await tx(
          `insert into commands (cluster_id, node_id, kind, params, operation_id, step_id, epoch) values ($1, $2, 'RESTART', '{}', $3, $4, 1) returning id`,
          [next.cluster_id, next.node_id, operation.id, next.id],
        );
        await tx(`update operation_steps set state = 'DISPATCHED', command_id = $1, dispatched_at = now(), attempts = attempts + 1 where id = $2`, [
          command.id,
          next.id,
        ]);
      });
      latencies.push(performance.now() - at);
    }
    return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), stepsPerSecond: latencies.length / ((performance.now() - started) / 1000) };
  } finally {
    await close();
  }
}

async function bench(engine: 'pglite' | 'postgres'): Promise<{ oc: OcResult; raw: RawResult }> {
  const scratch = engine === 'postgres' ? await scratchDatabase(serverUrl as string, 'oc_bench') : null;
  let dataDir: string | undefined;
  try {
    const oc = await throughOc(scratch?.url);
    dataDir = oc.dataDir;
    const raw = await rawSteps(scratch?.url, oc.dataDir);
    return { oc, raw };
  } finally {
    await scratch?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(0));
const load = () => os.loadavg()[0].toFixed(1);

console.log(
  `rolling restart: ${CLUSTERS} clusters x ${WORKERS} workers = ${STEPS} steps, maxParallel ${MAX_PARALLEL}${MAX_PARALLEL >= STEPS ? ' (one batch)' : ''}, ` +
    `maxUnavailable 1, minHealthyTime 0s, operations tick ${TICK}, heartbeats every ${HEARTBEAT_MS} ms, manager lease ${values.lease}, ${os.cpus().length} cores, load ${load()}`,
);
if (!serverUrl && ENGINES.includes('postgres')) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to run on PostgreSQL');
const results: { engine: string; oc: OcResult; raw: RawResult; load: string }[] = [];
for (const engine of ENGINES) {
  const { oc, raw } = await bench(engine);
  results.push({ engine, oc, raw, load: load() });
}

console.log(
  '\nengine     steps  steps/s   overhead/step ms p50   p99   max   (from hb ack p50)   first cmd ms max   raw step ms p50 p99   raw steps/s   p50 ratio   load',
);
for (const { engine, oc, raw, load: loadAfter } of results) {
  console.log(
    `${engine.padEnd(10)} ${String(oc.steps).padStart(5)} ${(oc.steps / oc.seconds).toFixed(0).padStart(8)}   ${''.padStart(16)}${ms(quantile(oc.overhead, 0.5)).padStart(4)} ${ms(quantile(oc.overhead, 0.99)).padStart(5)} ${ms(Math.max(...oc.overhead)).padStart(5)}   ${ms(quantile(oc.overheadFromAck, 0.5)).padStart(17)}   ${ms(Math.max(...oc.startLatency)).padStart(16)}   ${ms(raw.p50).padStart(15)} ${ms(raw.p99).padStart(3)}   ${raw.stepsPerSecond.toFixed(0).padStart(11)}   ${(quantile(oc.overhead, 0.5) / raw.p50).toFixed(0).padStart(8)}x   ${loadAfter}`,
  );
  if (oc.unmatched) console.log(`           (${oc.unmatched} step(s) without a recorded trigger heartbeat were left out)`);
}

console.log(
  '\nengine     SQL statements/step   without heartbeats   transactions/step   raw (3 stmts, 1 tx)   OC CPU ms/step   hb batches   SQL/batch (hb only)   hb rtt p50 p99   report rtt p50   OC loop delay p99 max',
);
for (const { engine, oc } of results) {
  const all = oc.counters.statements.reduce((sum, [, count]) => sum + count, 0);
  const hb = oc.counters.statements.filter(([text]) => isHeartbeatSql(text)).reduce((sum, [, count]) => sum + count, 0);
  const hbOnly = oc.hbWindow.counters.statements.reduce((sum, [, count]) => sum + count, 0);
  console.log(
    `${engine.padEnd(10)} ${(all / oc.steps).toFixed(1).padStart(19)}   ${((all - hb) / oc.steps).toFixed(1).padStart(18)}   ${(oc.counters.transactions / oc.steps).toFixed(1).padStart(17)}   ${`x${((all - hb) / oc.steps / 3).toFixed(1)}`.padStart(19)}   ${(oc.counters.cpuMs / oc.steps).toFixed(2).padStart(14)}   ${String(oc.beatsDuring).padStart(10)}   ${(hbOnly / Math.max(1, oc.hbWindow.beats)).toFixed(2).padStart(19)}   ${ms(quantile(oc.beatRtt, 0.5)).padStart(10)} ${ms(quantile(oc.beatRtt, 0.99)).padStart(4)}   ${ms(quantile(oc.reportRtt, 0.5)).padStart(14)}   ${ms(oc.counters.loopDelayP99).padStart(17)} ${ms(oc.counters.loopDelayMax).padStart(4)}`,
  );
}

for (const { engine, oc } of results) {
  console.log(`\n${engine}: statements per step by text (top 15 of ${oc.counters.statements.length}; hb = heartbeat ingest)`);
  for (const [text, count] of [...oc.counters.statements].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${(count / oc.steps).toFixed(2).padStart(6)}  ${isHeartbeatSql(text) ? 'hb ' : '   '} ${text.replace(/\s+/g, ' ').slice(0, 140)}`);
  }
}
