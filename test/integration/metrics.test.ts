import { sql } from 'drizzle-orm';
import parsePrometheus, { type MetricFamily, type Sample } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NODE_SERIES } from '../../api/src/modules/metrics/metrics.service.ts';
import { BEAT, createCluster, enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, subscribed, type TestServer } from '../helpers/server.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';
/** What the last test renames cluster alpha to. */
const EVIL_NAME = 'evil "quoted" \\ name\nwith a newline';

async function fetchMetrics(server: TestServer, query = '', authorization: string | null = `Bearer ${TOKEN}`) {
  const response = await fetch(`${server.url}/metrics${query}`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A scrape, parsed by a Prometheus text-format parser: it throws on anything the format does not allow. */
async function scrape(server: TestServer, query = ''): Promise<Map<string, MetricFamily>> {
  const response = await fetchMetrics(server, query);
  expect(response.status, response.text).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return new Map(parsePrometheus(response.text).map((family) => [family.name, family]));
}

/** The samples of a family whose labels include `labels`. */
function samples(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): Sample[] {
  return (families.get(name)?.metrics ?? []).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
}

/** The value of the one sample of a family with exactly these labels; 0 when there is none (a counter not yet moved). */
function value(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const exact = samples(families, name, labels).filter((sample) => Object.keys(sample.labels ?? {}).length === Object.keys(labels).length);
  expect(exact.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return exact.length ? Number(exact[0].value) : 0;
}

describe('/metrics', () => {
  let server: TestServer;
  let alpha: ScriptedManager;

  beforeAll(async () => {
    server = await startTestServer({ config: { metricsToken: TOKEN } });
    await server.tick(30_000);
    alpha = await enrollManager(server, 'alpha', { workers: ['a-1', 'a-2', 'a-3'] });
    await alpha.beat([
      { name: 'a-1', stats: { cpuPercent: 10, memoryBytes: 1000, diskPercent: 40 } },
      { name: 'a-2', stats: { cpuPercent: 30, memoryBytes: 3000, diskPercent: 60 } },
      { name: 'a-3', state: 'UNHEALTHY' },
    ]);
    await createCluster(server, 'pending-cluster');
  });
  afterAll(() => server.stop());

  it('refuses a scrape without the token, or with another, with a JSON error and no stack', async () => {
    // A person's token opens the API, not the metrics.
    for (const authorization of [null, 'Bearer wrong-token', `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, `Bearer ${server.adminToken}`]) {
      const response = await fetchMetrics(server, '', authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(JSON.parse(response.text)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
      expect(response.text).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('is off, with a 404 saying how to turn it on, while no token is configured', async () => {
    const off = await startTestServer();
    try {
      const response = await fetchMetrics(off);
      expect(response.status).toBe(404);
      expect(JSON.parse(response.text).errors[0]).toMatchObject({
        message: expect.stringContaining('OPSCENTER_METRICS_TOKEN'),
        extensions: { code: 'NOT_FOUND' },
      });
    } finally {
      await off.stop();
    }
  });

  it('counts heartbeat batches and entries, and times each batch', async () => {
    const before = await scrape(server);
    const batchesBefore = value(before, 'opscenter_heartbeat_batches_total', { result: 'applied' });
    const staleBefore = value(before, 'opscenter_heartbeat_batches_total', { result: 'stale' });
    const acceptedBefore = value(before, 'opscenter_heartbeat_entries_total', { result: 'accepted' });
    const refusedBefore = value(before, 'opscenter_heartbeat_entries_total', { result: 'refused' });
    const timedBefore = Number(before.get('opscenter_heartbeat_batch_duration_seconds')?.metrics[0].count ?? 0);
    expect(batchesBefore).toBeGreaterThanOrEqual(1);

    // The manager, three workers and one name that is no member: four accepted, one refused.
    const receipt = await alpha.beat([{ name: 'a-1' }, { name: 'a-2' }, { name: 'a-3', state: 'UNHEALTHY' }, { name: 'nobody' }]);
    expect(receipt).toMatchObject({ accepted: 4, refused: [{ code: 'UNKNOWN_NODE' }] });
    const stale = ok<any>(await server.gql(BEAT, { input: { sequence: 1, entries: [] } }, alpha.credential)).sendHeartbeats;
    expect(stale.stale).toBe(true);

    const after = await scrape(server);
    expect(value(after, 'opscenter_heartbeat_batches_total', { result: 'applied' })).toBe(batchesBefore + 1);
    expect(value(after, 'opscenter_heartbeat_batches_total', { result: 'stale' })).toBe(staleBefore + 1);
    expect(value(after, 'opscenter_heartbeat_entries_total', { result: 'accepted' })).toBe(acceptedBefore + 4);
    expect(value(after, 'opscenter_heartbeat_entries_total', { result: 'refused' })).toBe(refusedBefore + 1);
    const histogram = after.get('opscenter_heartbeat_batch_duration_seconds');
    expect(histogram?.type).toBe('HISTOGRAM');
    expect(Number(histogram?.metrics[0].count)).toBe(timedBefore + 2);
    expect(Number(histogram?.metrics[0].buckets?.['+Inf'])).toBe(timedBefore + 2);
  });

  it('gives the OC’s own health: subscribers, event delivery, operation steps and the process', async () => {
    const subscription = await subscribed(server, () => collect(server.wsClient(server.adminToken), 'subscription { topologyEvents { __typename } }'));
    const families = await scrape(server);
    subscription.dispose();
    expect(value(families, 'opscenter_subscribers')).toBe(1);
    const committed = value(families, 'opscenter_events_committed_sequence');
    expect(committed).toBeGreaterThan(0);
    expect(value(families, 'opscenter_events_delivered_sequence')).toBe(server.app.services.bus.head);
    expect(value(families, 'opscenter_events_undelivered')).toBe(committed - server.app.services.bus.head);
    expect(families.has('opscenter_events_held_back')).toBe(true);
    expect(families.get('opscenter_operation_steps')?.type).toBe('GAUGE');
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('sums the fleet up by cluster: node statuses and health as the API reports them, and measurements', async () => {
    const families = await scrape(server);
    const clusters = ok<any>(
      await server.gql(
        '{ clusters(first: 100) { nodes { name health managerStatus workerCounts { up suspect down unknown maintenance left } } } }',
        {},
        server.adminToken,
      ),
    ).clusters.nodes;
    expect(clusters.map((cluster: any) => cluster.name).sort()).toEqual(['alpha', 'pending-cluster']);
    for (const cluster of clusters) {
      for (const [status, count] of Object.entries(cluster.workerCounts as Record<string, number>)) {
        expect(
          value(families, 'opscenter_cluster_nodes', { cluster: cluster.name, role: 'WORKER', status: status.toUpperCase() }),
          `${cluster.name} ${status}`,
        ).toBe(count);
      }
      const managers = samples(families, 'opscenter_cluster_nodes', { cluster: cluster.name, role: 'MANAGER' }).filter((sample) => Number(sample.value) > 0);
      expect(managers.map((sample) => [sample.labels?.status, Number(sample.value)])).toEqual(cluster.managerStatus ? [[cluster.managerStatus, 1]] : []);
      const health = samples(families, 'opscenter_cluster_health', { cluster: cluster.name });
      expect(health).toHaveLength(5);
      expect(health.filter((sample) => sample.value === '1').map((sample) => sample.labels?.health)).toEqual([cluster.health]);
    }
    expect(value(families, 'opscenter_cluster_nodes', { cluster: 'alpha', role: 'WORKER', status: 'UP' })).toBe(2);
    expect(value(families, 'opscenter_cluster_nodes', { cluster: 'alpha', role: 'WORKER', status: 'SUSPECT' })).toBe(1);
    expect(value(families, 'opscenter_cluster_health', { cluster: 'alpha', health: 'DEGRADED' })).toBe(1);
    expect(value(families, 'opscenter_cluster_health', { cluster: 'pending-cluster', health: 'PENDING' })).toBe(1);
    // a-3 reports no measurements and the manager none either: the spread is over a-1 and a-2.
    expect(value(families, 'opscenter_cluster_cpu_percent_avg', { cluster: 'alpha' })).toBe(20);
    expect(value(families, 'opscenter_cluster_cpu_percent_max', { cluster: 'alpha' })).toBe(30);
    expect(value(families, 'opscenter_cluster_memory_bytes_avg', { cluster: 'alpha' })).toBe(2000);
    expect(value(families, 'opscenter_cluster_disk_percent_max', { cluster: 'alpha' })).toBe(60);
    expect(value(families, 'opscenter_cluster_measured_nodes', { cluster: 'alpha' })).toBe(2);
    expect(samples(families, 'opscenter_cluster_cpu_percent_avg', { cluster: 'pending-cluster' })).toEqual([]);
    expect([...families.keys()].filter((name) => name.startsWith('opscenter_node_'))).toEqual([]);
  });

  it('gives per-node series only for a target named in the URL, and then only those', async () => {
    const byCluster = await scrape(server, '?cluster=alpha');
    expect([...byCluster.keys()].every((name) => name.startsWith('opscenter_node_'))).toBe(true);
    const statuses = samples(byCluster, 'opscenter_node_status').filter((sample) => sample.value === '1');
    expect(statuses.map((sample) => [sample.labels?.node, sample.labels?.role, sample.labels?.status]).sort()).toEqual([
      ['a-1', 'WORKER', 'UP'],
      ['a-2', 'WORKER', 'UP'],
      ['a-3', 'WORKER', 'SUSPECT'],
      ['alpha-manager', 'MANAGER', 'UP'],
    ]);
    expect(samples(byCluster, 'opscenter_node_status')).toHaveLength(4 * 6);
    expect(value(byCluster, 'opscenter_node_cpu_percent', { cluster: 'alpha', node: 'a-2' })).toBe(30);
    expect(samples(byCluster, 'opscenter_node_cpu_percent', { node: 'alpha-manager' })).toEqual([]);
    expect(value(byCluster, 'opscenter_node_last_seen_timestamp_seconds', { cluster: 'alpha', node: 'a-1' })).toBe(server.clock.now().getTime() / 1000);

    const byTag = await scrape(server, '?tag=role:manager');
    expect(samples(byTag, 'opscenter_node_status', { status: 'UP' }).map((sample) => sample.labels?.node)).toEqual(['alpha-manager']);
    const byNode = await scrape(server, `?node=${alpha.managerNodeId}`);
    expect(new Set(samples(byNode, 'opscenter_node_status').map((sample) => sample.labels?.node))).toEqual(new Set(['alpha-manager']));

    for (const [query, code] of [
      ['?cluster=no-such-cluster', 'INVALID_TARGET'],
      ['?cluster=alpha&tag=x', 'INVALID_TARGET'],
      ['?node=not-an-id', 'INVALID_TARGET'],
      ['?color=blue', 'INVALID_ARGUMENT'],
    ]) {
      const response = await fetchMetrics(server, query);
      expect(response.status, query).toBe(400);
      expect(JSON.parse(response.text).errors[0].extensions.code, query).toBe(code);
    }
  });

  it(`refuses per-node series for a target of more than ${MAX_NODE_SERIES} nodes`, async () => {
    const big = await enrollManager(server, 'big');
    await big.report(Array.from({ length: MAX_NODE_SERIES }, (_, index) => `b-${index}`));
    const response = await fetchMetrics(server, '?cluster=big');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).errors[0]).toMatchObject({
      message: expect.stringContaining(`more than ${MAX_NODE_SERIES} nodes`),
      extensions: { code: 'INVALID_TARGET' },
    });
    // By cluster, the same fleet is a handful of series.
    const families = await scrape(server);
    expect(value(families, 'opscenter_cluster_nodes', { cluster: 'big', role: 'WORKER', status: 'UNKNOWN' })).toBe(MAX_NODE_SERIES);
    expect(samples(families, 'opscenter_cluster_nodes', { cluster: 'big' })).toHaveLength(12);
  });

  it('escapes label values: a cluster name with quotes, a backslash and a newline comes back as it is', async () => {
    // The API allows no such name; a database written by hand (or a future rule) might hold one.
    const name = EVIL_NAME;
    await server.database.db.execute(sql`update clusters set name = ${name} where name = 'alpha'`);
    const families = await scrape(server);
    expect(value(families, 'opscenter_cluster_nodes', { cluster: name, role: 'WORKER', status: 'UP' })).toBe(2);
    expect(samples(families, 'opscenter_cluster_nodes', { cluster: 'alpha' })).toEqual([]);
    const nodes = await scrape(server, `?cluster=${encodeURIComponent(name)}`);
    expect(value(nodes, 'opscenter_node_status', { cluster: name, node: 'a-1', role: 'WORKER', status: 'UP' })).toBe(1);
  });

  it('leaves measurements out once they are no longer current', async () => {
    const current = await scrape(server);
    expect(value(current, 'opscenter_cluster_measured_nodes', { cluster: EVIL_NAME })).toBe(2);
    // Past the suspect-after window (3 intervals of 5 s) with no batch, the figures are last known ones, not current.
    server.clock.advance(15_000);
    const stale = await scrape(server);
    expect(value(stale, 'opscenter_cluster_measured_nodes', { cluster: EVIL_NAME })).toBe(0);
    expect(samples(stale, 'opscenter_cluster_cpu_percent_avg', { cluster: EVIL_NAME })).toEqual([]);
    const nodes = await scrape(server, `?cluster=${encodeURIComponent(EVIL_NAME)}`);
    expect(samples(nodes, 'opscenter_node_cpu_percent')).toEqual([]);
    expect(samples(nodes, 'opscenter_node_status', { node: 'a-2', status: 'UP' })).toHaveLength(1);
  });
});
