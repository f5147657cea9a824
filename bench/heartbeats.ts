// Heartbeat ingest through the GraphQL API versus a raw batched upsert of the same rows, on the
// same engine in the same run. Usage: npm run bench:heartbeats [-- --managers 20 --workers 250 --seconds 10]
// Runs on the embedded database, and on PostgreSQL too when BENCH_DATABASE_URL (or
// TEST_DATABASE_URL) names a server database to create scratch databases from.
// BENCH_SERVER_NODE_ARGS passes Node flags to the OC process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { openDatabase } from '../api/src/db/client.ts';
import { migrateDatabase } from '../api/src/db/migrate.ts';
import { scratchDatabase } from '../test/helpers/database.ts';
import { call } from '../test/helpers/gql.ts';
import { freePort, runOpscenter } from '../test/helpers/process.ts';

const { values } = parseArgs({
  options: {
    managers: { type: 'string', default: '20' },
    workers: { type: 'string', default: '250' },
    seconds: { type: 'string', default: '10' },
  },
});
const MANAGERS = Number(values.managers);
const WORKERS = Number(values.workers);
const SECONDS = Number(values.seconds);
const PASSWORD = 'bench-admin-password';
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

interface Result {
  engine: string;
  apiRate: number;
  rawRate: number;
  peakRssMb: number;
}

const BEAT = `mutation($input: HeartbeatBatchInput!) { sendHeartbeats(input: $input) { ... on HeartbeatReceipt { accepted } } }`;

function entries(manager: number, tick: number) {
  return [
    { name: `bench-${manager}-manager`, state: 'HEALTHY' },
    ...Array.from({ length: WORKERS }, (_, worker) => ({
      name: `bench-${manager}-w${worker}`,
      state: 'HEALTHY',
      cpuPercent: (tick + worker) % 100,
      memoryBytes: 512e6 + worker,
      load1: 0.5,
      diskPercent: 40,
      uptimeSeconds: 1000 + tick,
    })),
  ];
}

/** Runs `work` in `parallel` loops for the measured window; returns completed units per second. */
async function measure(parallel: number, work: (loop: number, tick: number) => Promise<number>): Promise<number> {
  const warmUntil = Date.now() + 2000;
  const endAt = warmUntil + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: parallel }, async (_, loop) => {
      for (let tick = 0; Date.now() < endAt; tick += 1) {
        const units = await work(loop, tick);
        if (Date.now() > warmUntil) done += units;
      }
    }),
  );
  return done / SECONDS;
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Forgets the peak so far (e.g. the embedded database's one-off initdb), so the next peak is the load's. */
function resetPeakRss(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

async function throughApi(databaseUrl: string | undefined): Promise<{ rate: number; peak: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-bench-'));
  const port = await freePort();
  const server = runOpscenter(
    ['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'info'],
    {
      DATABASE_URL: databaseUrl,
      OPSCENTER_INITIAL_ADMIN_PASSWORD: PASSWORD,
      OPSCENTER_MAX_HEARTBEAT_BATCH: String(WORKERS + 1),
    },
    process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean),
  );
  try {
    await server.waitFor(/listening on/);
    const url = `http://127.0.0.1:${port}`;
    const admin = (await call(url, `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`, { p: PASSWORD })).login
      .token;
    const credentials: string[] = [];
    for (let manager = 0; manager < MANAGERS; manager += 1) {
      const name = `bench-${manager}`;
      await call(url, `mutation($n: String!) { createCluster(input: { name: $n, productKind: "bench" }) { __typename } }`, { n: name }, admin);
      const token = (await call(url, `mutation($n: String!) { createEnrollmentToken(cluster: $n) { ... on EnrollmentToken { token } } }`, { n: name }, admin))
        .createEnrollmentToken.token;
      const registration = await call(url, `mutation($i: RegisterManagerInput!) { registerManager(input: $i) { ... on ManagerRegistration { credential } } }`, {
        i: { enrollmentToken: token, cluster: name, manager: { name: `${name}-manager` } },
      });
      const credential = registration.registerManager.credential;
      await call(
        url,
        `mutation($i: MembershipInput!) { reportMembership(input: $i) { __typename } }`,
        { i: { snapshot: Array.from({ length: WORKERS }, (_, worker) => ({ name: `${name}-w${worker}` })) } },
        credential,
      );
      credentials.push(credential);
    }
    resetPeakRss(server.child.pid as number);
    // The load generator must not be the bottleneck: each manager's batch is serialised once and
    // only its sequence changes from one message to the next.
    const bodies = credentials.map((_, manager) => JSON.stringify({ query: BEAT, variables: { input: { sequence: 0, entries: entries(manager, 0) } } }));
    let sequence = 0;
    const rate = await measure(MANAGERS, async (manager) => {
      sequence += 1;
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials[manager]}` },
        body: bodies[manager].replace('"sequence":0', `"sequence":${sequence}`),
      });
      const body = (await response.json()) as { data: { sendHeartbeats: { accepted: number } } };
      return body.data.sendHeartbeats.accepted;
    });
    return { rate, peak: peakRssMb(server.child.pid as number) };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const RAW_UPSERT = `insert into node_liveness (node_id, cluster_id, status, status_cause, status_since, last_seen_at, last_healthy_at,
    reported_state, batch_sequence, cpu_percent, memory_bytes, load1, disk_percent, uptime_seconds)
  select b.node_id, b.cluster_id, 'UP', 'RECOVERED', now(), b.seen, b.seen, 'HEALTHY', b.seq, b.cpu, b.mem, b.load, b.disk, b.uptime
  from unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::bigint[], $5::float8[], $6::bigint[], $7::float8[], $8::float8[], $9::bigint[])
    as b(node_id, cluster_id, seen, seq, cpu, mem, load, disk, uptime)
  on conflict (node_id) do update set last_seen_at = excluded.last_seen_at, last_healthy_at = excluded.last_healthy_at,
    batch_sequence = excluded.batch_sequence, cpu_percent = excluded.cpu_percent, memory_bytes = excluded.memory_bytes,
    load1 = excluded.load1, disk_percent = excluded.disk_percent, uptime_seconds = excluded.uptime_seconds`;

/** The floor: the same rows, one batched upsert statement per manager message, no OC in between. */
async function rawUpsert(databaseUrl: string | undefined): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-bench-raw-'));
  const handle = await openDatabase({ databaseUrl, dataDir });
  await migrateDatabase(handle);
  await handle.close();
  const cleanup: (() => Promise<unknown>)[] = [];
  const run: (text: string, params: unknown[]) => Promise<unknown> = databaseUrl
    ? (() => {
        const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
        cleanup.push(() => client.end());
        return (text, params) => client.unsafe(text, params as never[]);
      })()
    : await (async () => {
        const client = await PGlite.create(dataDir);
        cleanup.push(() => client.close());
        return (text, params) => client.query(text, params);
      })();
  const ids = Array.from({ length: MANAGERS }, () => ({ cluster: randomUUID(), nodes: Array.from({ length: WORKERS + 1 }, () => randomUUID()) }));
  for (const [index, manager] of ids.entries()) {
    await run(`insert into clusters (id, name, product_kind) values ($1, $2, 'bench')`, [manager.cluster, `raw-${index}`]);
    for (const [worker, id] of manager.nodes.entries()) {
      await run(`insert into nodes (id, cluster_id, name, role) values ($1, $2, $3, 'WORKER')`, [id, manager.cluster, `raw-${index}-${worker}`]);
    }
  }
  try {
    // One connection, one statement after another: the single-connection floor of perf.md's B1.
    let next = 0;
    return await measure(1, async (_loop, tick) => {
      const { cluster, nodes } = ids[next++ % MANAGERS];
      const seen = new Date().toISOString();
      await run(RAW_UPSERT, [
        nodes,
        nodes.map(() => cluster),
        nodes.map(() => seen),
        nodes.map(() => tick),
        nodes.map((_, worker) => (tick + worker) % 100),
        nodes.map((_, worker) => 512e6 + worker),
        nodes.map(() => 0.5),
        nodes.map(() => 40),
        nodes.map(() => 1000 + tick),
      ]);
      return nodes.length;
    });
  } finally {
    for (const close of cleanup) await close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function bench(engine: 'pglite' | 'postgres'): Promise<Result> {
  if (engine === 'pglite') {
    const api = await throughApi(undefined);
    const raw = await rawUpsert(undefined);
    return { engine, apiRate: api.rate, rawRate: raw, peakRssMb: api.peak };
  }
  const apiDb = await scratchDatabase(serverUrl as string, 'oc_bench');
  const rawDb = await scratchDatabase(serverUrl as string, 'oc_bench');
  try {
    const api = await throughApi(apiDb.url);
    const raw = await rawUpsert(rawDb.url);
    return { engine, apiRate: api.rate, rawRate: raw, peakRssMb: api.peak };
  } finally {
    await apiDb.drop();
    await rawDb.drop();
  }
}

console.log(`heartbeat ingest: ${MANAGERS} managers x ${WORKERS} workers (batches of ${WORKERS + 1}), ${SECONDS}s measured after 2s warm-up`);
const results: Result[] = [await bench('pglite')];
if (serverUrl) results.push(await bench('postgres'));
console.log('engine     API heartbeats/s   raw upsert rows/s   ratio (target >= 0.5)   OC peak RSS under load');
for (const result of results) {
  console.log(
    `${result.engine.padEnd(10)} ${result.apiRate.toFixed(0).padStart(17)}   ${result.rawRate.toFixed(0).padStart(17)}   ${(result.apiRate / result.rawRate).toFixed(2).padStart(21)}   ${result.peakRssMb.toFixed(0).padStart(8)} MB`,
  );
}
