// Alerting at fleet scale, on PostgreSQL: 100 rules over 100,000 nodes.
//   1. One evaluation pass (AlertEvaluator.evaluate(), steady state: the pass after the one that
//      raised the alerts) next to the SQL that pass needs to read its conditions, written by hand
//      with the postgres driver (the status filter, the per-node average over node_stats, the
//      cluster-health aggregate, the anomaly series, the inventory and baselines drift is computed
//      from, the status history availability is computed from), run one after the other as the
//      pass runs its rules. Goal: raw / OC >= 0.5.
//   2. Notifications per second through the outbox (NotificationsService.deliverDue(), signed
//      Standard Webhooks POSTs, each attempt recorded) to a webhook receiver in this process, next
//      to a bare HTTP POST loop sending the same bodies to the same receiver with the same
//      concurrency (the outbox's send window). Goal: >= 0.5.
//
// Usage: npm run bench:alerts [-- --clusters 100 --workers 999 --passes 3 --notifications 5000 --rounds 3]
// Needs a PostgreSQL server: BENCH_DATABASE_URL or TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres) names a database to create a scratch database from.
// BENCH_PROFILE=1 prints, for each measured pass and for the outbox's delivery, the statements the
// OC's connections were running, sampled every 10 ms (parallel query workers count separately).
//
// The fleet is written with set-based SQL (generate_series), the fastest way to a big fleet; going
// through registerManager and reportMembership would take minutes and measure something else. Every
// cluster has a manager and `workers` workers; 1 % of the workers are DOWN, 1 % average above 90 %
// CPU and 0.5 % above 85 % disk over the last minutes, and clusters carry one of four datacenter tags.
// Every node joined 40 days ago; 0.5 % of the workers were down for two hours ten days ago (so
// their 30-day availability is below 99.9 %). One baseline wants fix.jar version 2 on every
// worker; each has it installed and loaded, except 1 % still on version 1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { buildApp } from '../api/src/app.ts';
import { ManualClock } from '../api/src/clock.ts';
import { loadServerConfig } from '../api/src/config.ts';
import { openDatabase } from '../api/src/db/client.ts';
import { createLogger } from '../api/src/logger.ts';
import { SEND_WINDOW } from '../api/src/modules/notifications/notifications.delivery.ts';
import { webhookBody } from '../api/src/modules/notifications/notifications.senders.ts';
import type { NotificationMessage } from '../api/src/modules/notifications/notifications.types.ts';
import type { RequestMeta } from '../api/src/shared/actor.ts';
import { scratchDatabase } from '../test/helpers/database.ts';
import { signingSecret } from '../test/helpers/webhook-receiver.ts';

const { values } = parseArgs({
  options: {
    clusters: { type: 'string', default: '100' },
    workers: { type: 'string', default: '999' },
    passes: { type: 'string', default: '3' },
    notifications: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
  },
});
const CLUSTERS = Number(values.clusters);
const WORKERS = Number(values.workers);
const PASSES = Number(values.passes);
const NOTIFICATIONS = Number(values.notifications);
const ROUNDS = Number(values.rounds);
const DATACENTERS = 4;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Minutes of per-minute statistics per node: enough history for the anomaly rules (15 min window, 10 points). */
const MINUTES = 12;
/** The bare loop keeps as many POSTs in flight as the outbox keeps sends. */
const CONCURRENCY = SEND_WINDOW;
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const META: RequestMeta = { actor: { type: 'SYSTEM', name: 'bench' }, requestId: 'bench-alerts' };

const ms = (start: number) => performance.now() - start;
const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const clusterName = (index: number) => `c${String(index).padStart(3, '0')}`;

/** The fleet, in a handful of set-based statements. */
async function buildFleet(sql: postgres.Sql, now: Date): Promise<void> {
  await sql`insert into clusters (name, product_kind) select 'c' || lpad(i::text, 3, '0'), 'bench' from generate_series(0, ${CLUSTERS - 1}) as i`;
  await sql`insert into cluster_tags (cluster_id, tag) select id, 'dc-' || (substr(name, 2)::int % ${DATACENTERS}) from clusters`;
  await sql`insert into nodes (cluster_id, name, role, address)
    select c.id, case when w = 0 then c.name || '-manager' else c.name || '-w' || lpad(w::text, 4, '0') end,
           (case when w = 0 then 'MANAGER' else 'WORKER' end)::node_role, '10.0.0.1:8080'
    from clusters c cross join generate_series(0, ${WORKERS}) as w`;
  await sql`update clusters c set manager_node_id = n.id from nodes n where n.cluster_id = c.id and n.role = 'MANAGER'`;
  // Node n (numbered across the fleet) is DOWN when n % 100 = 7; its average CPU is above 90 when n % 100 = 13, its disk above 85 when n % 200 = 21.
  await sql`insert into node_liveness (node_id, cluster_id, status, status_cause, status_since, last_seen_at, last_healthy_at, reported_state, batch_sequence,
                                       cpu_percent, memory_bytes, load1, disk_percent, uptime_seconds)
    select id, cluster_id,
           (case when role = 'WORKER' and n % 100 = 7 then 'DOWN' else 'UP' end)::node_status,
           (case when role = 'WORKER' and n % 100 = 7 then (case when n % 200 = 7 then 'REPORTED_FAILURE' else 'MISSED_HEARTBEATS' end) else 'FIRST_HEARTBEAT' end)::status_cause,
           ${now}::timestamptz - interval '1 hour', ${now}, ${now}, 'HEALTHY', 1, 20 + n % 50, 512000000, 0.5, 40, 3600
    from (select id, cluster_id, role, row_number() over (order by cluster_id, name) as n from nodes) as numbered`;
  await sql`insert into node_stats (node_id, minute, cpu_percent, memory_bytes, load1, disk_percent, samples)
    select id, date_trunc('minute', ${now}::timestamptz) - make_interval(mins => m),
           case when n % 100 = 13 then 95 + m % 3 else 20 + (n + m) % 50 end,
           512000000, 0.5,
           case when n % 200 = 21 then 90 else 40 + m % 5 end, 6
    from (select id, row_number() over (order by cluster_id, name) as n from nodes) as numbered cross join generate_series(0, ${MINUTES - 1}) as m`;
  await sql`insert into node_status_history (node_id, cluster_id, from_status, to_status, cause, at)
    select id, cluster_id, 'UNKNOWN', 'UP', 'FIRST_HEARTBEAT', ${now}::timestamptz - interval '40 days' from nodes`;
  await sql`insert into node_status_history (node_id, cluster_id, from_status, to_status, cause, at)
    select id, cluster_id, change.from_status::node_status, change.to_status::node_status, change.cause::status_cause, ${now}::timestamptz - change.ago
    from (select id, cluster_id, role, row_number() over (order by cluster_id, name) as n from nodes) as numbered
    cross join (values ('UP', 'DOWN', 'MISSED_HEARTBEATS', interval '10 days'), ('DOWN', 'UP', 'RECOVERED', interval '10 days' - interval '2 hours')) as change(from_status, to_status, cause, ago)
    where role = 'WORKER' and n % 200 = 41`;
  await sql`insert into node_status_history (node_id, cluster_id, from_status, to_status, cause, at)
    select l.node_id, l.cluster_id, 'UP', l.status, l.status_cause, l.status_since from node_liveness l where l.status = 'DOWN'`;
  await sql`update nodes set joined_at = ${now}::timestamptz - interval '40 days'`;
}

/** Two versions of a patch, and a baseline wanting the second on every worker; workers have it, but 1 % still have the first. */
async function buildBaseline(sql: postgres.Sql, services: typeof app.services, now: Date): Promise<void> {
  const upload = (version: string) =>
    services.content.upload(
      META,
      { kind: 'PATCH', name: 'fix.jar', version, productKinds: [], requiresRestart: true, description: '' },
      (async function* () {
        yield new TextEncoder().encode(`fix.jar version ${version}`);
      })(),
    );
  const [one, two] = [(await upload('1')).item, (await upload('2')).item];
  await services.baselines.create(META, 'fleet', { target: { all: true }, itemIds: [two.id], message: 'fix.jar 2 everywhere' });
  await sql`insert into node_inventory (node_id, kind, name, sha256, size, installed, loaded, first_seen_at, changed_at, installed_since)
    select id, 'PATCH', 'fix.jar', case when n % 100 = 29 then ${one.sha256} else ${two.sha256} end, 16, true, true, ${now}, ${now}, ${now}
    from (select id, role, row_number() over (order by cluster_id, name) as n from nodes) as numbered where role = 'WORKER'`;
}

interface RuleSpec {
  name: string;
  target: Record<string, unknown>;
  condition: Record<string, Record<string, unknown>>;
}

/** 100 rules of mixed conditions: mostly node status and statistics, over the whole fleet, one cluster or one datacenter tag. */
function ruleSpecs(): RuleSpec[] {
  const target = (index: number) =>
    index % 4 === 0 ? { all: true } : index % 4 === 3 ? { tags: { tags: [`dc-${index % DATACENTERS}`] } } : { clusters: [clusterName(index % CLUSTERS)] };
  const specs: RuleSpec[] = [];
  for (let index = 0; index < 40; index++)
    specs.push({
      name: `status-${index}`,
      target: target(index),
      condition: { nodeStatus: { statuses: index % 2 ? ['DOWN'] : ['DOWN', 'SUSPECT'], ...(index % 5 === 1 ? { causes: ['REPORTED_FAILURE'] } : {}) } },
    });
  for (let index = 0; index < 40; index++)
    specs.push({
      name: `stat-${index}`,
      target: target(index),
      condition: {
        statistic: index % 3 === 2 ? { metric: 'DISK', above: 85, window: 5 * MINUTE } : { metric: 'CPU', above: 90, window: (index % 2 ? 5 : 10) * MINUTE },
      },
    });
  for (let index = 0; index < 10; index++)
    specs.push({
      name: `health-${index}`,
      target: { all: true },
      condition: { clusterHealth: { healths: index % 2 ? ['CRITICAL', 'UNREACHABLE'] : ['DEGRADED'] } },
    });
  for (let index = 0; index < 4; index++)
    specs.push({
      name: `anomaly-${index}`,
      target: { clusters: [clusterName((index * 7) % CLUSTERS)] },
      condition: { anomaly: { metric: 'CPU', window: 15 * MINUTE } },
    });
  for (let index = 0; index < 3; index++) specs.push({ name: `drift-${index}`, target: target(index), condition: { drift: { minFiles: 1 } } });
  for (let index = 0; index < 3; index++)
    specs.push({ name: `availability-${index}`, target: target(index), condition: { availability: { objective: 99.9, window: 30 * DAY } } });
  return specs;
}

/** The reads a pass needs, by hand: one statement per rule, straight on the tables. */
async function rawPass(sql: postgres.Sql, specs: RuleSpec[], now: Date): Promise<number> {
  let rows = 0;
  const scope = (target: Record<string, unknown>) => {
    if (target.clusters) return sql`and c.name = ${(target.clusters as string[])[0]}`;
    if (target.tags)
      return sql`and exists (select 1 from cluster_tags t where t.cluster_id = n.cluster_id and t.tag = ${(target.tags as { tags: string[] }).tags[0]})`;
    return sql``;
  };
  for (const spec of specs) {
    const condition = spec.condition;
    if (condition.nodeStatus) {
      const { statuses, causes } = condition.nodeStatus as { statuses: string[]; causes?: string[] };
      const found = await sql`select n.id, n.name, n.cluster_id, c.name as cluster_name, l.status, l.status_cause
        from nodes n join node_liveness l on l.node_id = n.id join clusters c on c.id = n.cluster_id
        where l.status = any(${statuses}::node_status[]) ${causes ? sql`and l.status_cause = any(${causes}::status_cause[])` : sql``} ${scope(spec.target)}`;
      rows += found.length;
    } else if (condition.statistic) {
      const { metric, above, window } = condition.statistic as { metric: string; above: number; window: number };
      const column = sql(metric === 'CPU' ? 'cpu_percent' : 'disk_percent');
      const since = new Date(now.getTime() - window);
      const found = await sql`select s.node_id, avg(s.${column})::float8 as average
        from node_stats s join nodes n on n.id = s.node_id join clusters c on c.id = n.cluster_id
        where s.minute >= ${since} ${scope(spec.target)} group by s.node_id having avg(s.${column}) > ${above}`;
      rows += found.length;
    } else if (condition.clusterHealth) {
      const found = await sql`select c.id, c.name, m.status as manager_status,
          count(*) filter (where n.role = 'WORKER') as workers,
          count(*) filter (where n.role = 'WORKER' and l.status = 'DOWN') as down,
          count(*) filter (where n.role = 'WORKER' and l.status in ('SUSPECT', 'UNKNOWN')) as doubtful
        from clusters c join nodes n on n.cluster_id = c.id join node_liveness l on l.node_id = n.id
        left join node_liveness m on m.node_id = c.manager_node_id
        group by c.id, c.name, m.status`;
      rows += found.length;
    } else if (condition.anomaly) {
      const found = await sql`select s.node_id, s.cpu_percent::float8 as value
        from node_stats s join nodes n on n.id = s.node_id join clusters c on c.id = n.cluster_id
        where s.minute >= ${new Date(now.getTime() - 15 * MINUTE)} and s.cpu_percent is not null ${scope(spec.target)} order by s.node_id, s.minute`;
      rows += found.length;
    } else if (condition.drift) {
      const wanted = await sql`select v.target, v.item_ids from baselines b join baseline_versions v on v.baseline_id = b.id and v.version = b.current_version`;
      const found = await sql`select i.node_id, i.kind, i.name, i.sha256, i.installed, i.loaded
        from node_inventory i join nodes n on n.id = i.node_id join clusters c on c.id = n.cluster_id
        where n.role = 'WORKER' ${scope(spec.target)}`;
      rows += wanted.length + found.length;
    } else if (condition.availability) {
      const since = new Date(now.getTime() - 30 * DAY);
      const history = (filter: postgres.PendingQuery<postgres.Row[]>) =>
        sql`select h.* from node_status_history h join nodes n on n.id = h.node_id join clusters c on c.id = n.cluster_id where ${filter} ${scope(spec.target)}`;
      const [before, within, after] = await Promise.all([
        sql`select distinct on (node_id) * from (${history(sql`h.at < ${since}`)}) as h order by node_id, at desc, id desc`,
        sql`${history(sql`h.at >= ${since} and h.at <= ${now}`)} order by h.at, h.id`,
        sql`select distinct on (node_id) * from (${history(sql`h.at >= ${since}`)}) as h order by node_id, at, id`,
      ]);
      rows += before.length + within.length + after.length;
    }
  }
  return rows;
}

/**
 * BENCH_PROFILE: where the database spends a pass, by sampling what the OC's connections run every
 * 10 ms (pg_stat_statements needs a server restart to load; this needs nothing).
 */
function sampleQueries() {
  const probe = postgres(scratch.url, { max: 1, onnotice: () => {} });
  const seen = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      samples += 1;
      for (const row of await probe`select query from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`)
        seen.set(row.query.slice(0, 200), (seen.get(row.query.slice(0, 200)) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await probe.end();
      console.log(`  ${samples} samples; busiest statements (share of samples):`);
      for (const [query, count] of [...seen].sort((a, b) => b[1] - a[1]).slice(0, 8))
        console.log(`  ${((count / samples) * 100).toFixed(0).padStart(4)} %  ${query}`);
    },
  };
}

/** A webhook receiver that reads each body and answers 204: the same for both senders. */
async function startReceiver() {
  let received = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    get received() {
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POSTs every body, `CONCURRENCY` at a time, as the outbox does: no database, no signature. */
async function rawPosts(url: string, bodies: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.body?.cancel();
      }
    }),
  );
}

const scratch = await scratchDatabase(serverUrl, 'oc_bench_alerts');
const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
const receiver = await startReceiver();
const config = loadServerConfig(
  {
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
    logFormat: 'json',
    databaseUrl: scratch.url,
    // The bench runs the passes itself.
    alertEvaluationInterval: '1h',
    notificationTick: '1h',
    sweepInterval: '1h',
    initialAdminPassword: 'bench-admin-password',
  },
  {},
);
const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
// Time stands still, so that every pass after the first sees the same fleet: a steady state.
const clock = new ManualClock(new Date());
const app = await buildApp({ config, logger: createLogger({ level: config.logLevel, format: 'json' }), clock, database });
try {
  let start = performance.now();
  await buildFleet(sql, clock.now());
  await buildBaseline(sql, app.services, clock.now());
  await sql`analyze`;
  const [{ nodes, down }] = await sql`select count(*)::int as nodes, count(*) filter (where status = 'DOWN')::int as down from node_liveness`;
  console.log(
    `fleet: ${nodes} nodes in ${CLUSTERS} clusters (${down} DOWN), ${nodes * MINUTES} per-minute stats rows, built in ${(ms(start) / 1000).toFixed(1)} s`,
  );

  const { alerts, notifications, alertEvaluator } = app.services;
  const channel = await notifications.createChannel(META, { name: 'bench-hook', kind: 'WEBHOOK', url: receiver.url, secret: signingSecret() });
  const specs = ruleSpecs();
  for (const spec of specs) await alerts.createRule(META, { ...spec, channels: [channel.id], groupInterval: MINUTE } as never);

  // --- 1. one evaluation pass ---
  start = performance.now();
  await alertEvaluator.evaluate();
  const firstMs = ms(start);
  const [{ open }] = await sql`select count(*)::int as open from alerts where state <> 'RESOLVED'`;
  const [{ queued }] = await sql`select count(*)::int as queued from notification_outbox`;
  console.log(`first pass: ${open} alerts raised, ${queued} grouped notifications, in ${(firstMs / 1000).toFixed(2)} s`);

  const ocMs: number[] = [];
  const rawMs: number[] = [];
  let rawRows = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const sampling = process.env.BENCH_PROFILE ? sampleQueries() : null;
    start = performance.now();
    await alertEvaluator.evaluate();
    ocMs.push(ms(start));
    await sampling?.stop();
    start = performance.now();
    rawRows = await rawPass(sql, specs, clock.now());
    rawMs.push(ms(start));
  }
  const [{ still }] = await sql`select count(*)::int as still from alerts where state <> 'RESOLVED'`;
  if (still !== open) throw new Error(`the steady passes changed the open alerts: ${open} before, ${still} after`);
  const oc = median(ocMs);
  const raw = median(rawMs);
  console.log(
    `evaluation pass (steady, median of ${PASSES}): OC ${oc.toFixed(0)} ms; raw SQL ${raw.toFixed(0)} ms (${rawRows} rows); ratio raw/OC ${(raw / oc).toFixed(2)} (goal >= 0.5)`,
  );

  // --- 2. notifications through the outbox ---
  // The first pass's notifications went out as it committed (the outbox delivers after each commit);
  // their messages, repeated, make a burst written in one transaction, as a storm of alert changes would.
  await notifications.tick();
  const messages = (await sql<{ message: NotificationMessage }[]>`select message from notification_outbox`).map((row) => row.message);
  const burst = Array.from({ length: NOTIFICATIONS }, (_, index) => messages[index % messages.length]);
  const ocRates: number[] = [];
  const rawRates: number[] = [];
  let size = 0;
  // Alternating rounds, so that whatever else the machine is doing weighs on both senders alike.
  for (let round = 0; round < ROUNDS; round++) {
    const before = receiver.received;
    await app.services.transactor.run(null, null, async (work) => {
      for (const message of burst) await notifications.enqueue(work, [channel.id], message);
      work.afterCommit.unshift(() => {
        start = performance.now();
      });
    });
    const sampling = process.env.BENCH_PROFILE ? sampleQueries() : null;
    await notifications.tick();
    await sampling?.stop();
    while (receiver.received - before < NOTIFICATIONS) await new Promise((resolve) => setTimeout(resolve, 5));
    ocRates.push((NOTIFICATIONS / ms(start)) * 1000);
    const [{ left }] = await sql`select count(*)::int as left from notification_outbox where state <> 'DELIVERED'`;
    if (left !== 0) throw new Error(`${left} notifications were not delivered`);
    const sent = await sql<
      { id: string; created_at: Date; message: NotificationMessage }[]
    >`select id, created_at, message from notification_outbox order by created_at desc limit ${NOTIFICATIONS}`;
    const bodies = sent.map((row) => webhookBody({ id: row.id, createdAt: row.created_at, message: row.message }));
    size = Math.round(bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length);
    const beforeRaw = receiver.received;
    start = performance.now();
    await rawPosts(receiver.url, bodies);
    rawRates.push((bodies.length / ms(start)) * 1000);
    if (receiver.received - beforeRaw !== bodies.length) throw new Error('the bare loop lost requests');
  }
  const ocRate = median(ocRates);
  const rawRate = median(rawRates);
  console.log(
    `notifications (${NOTIFICATIONS}, ~${size} B each, ${CONCURRENCY} at a time, median of ${ROUNDS} rounds): outbox ${ocRate.toFixed(0)}/s; bare POST loop ${rawRate.toFixed(0)}/s; ratio ${(ocRate / rawRate).toFixed(2)} (goal >= 0.5)`,
  );
} finally {
  await app.stop();
  await sql.end();
  await receiver.close();
  await scratch.drop();
}
