// Change delivery: one artifact deployed to many clusters of simulated workers. Prints the bytes the
// OC sent each cluster's manager during the deploy divided by the artifact's size (goal <= 1.1: one
// download per cluster, not one per worker), the upload's throughput next to a raw file write of the
// same bytes (goal >= 0.5), and the OC's peak memory during the upload (goal: flat in the size).
//
// Usage: npm run bench:deploy [-- --mib 50 --clusters 10 --workers 10]
//   --mib N        the artifact's size in MiB (default 50)
//   --clusters N   clusters, each with a real manager agent process (default 10)
//   --workers N    simulated workers per cluster (default 10)
//
// The OC is a real `opscenter serve` process on the embedded database (TEST_DATABASE_URL selects a
// PostgreSQL server instead). Each manager reaches it through a TCP proxy of its own that counts the
// bytes flowing from the OC to that manager, so a cluster's count is everything the OC sent it while
// the deploy ran: GraphQL answers, commands and heartbeat receipts as well as the download.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { LiveOc } from '../test/helpers/live-fleet.ts';
import { type RunningProcess, runOpscenter } from '../test/helpers/process.ts';
import { memoryKiB, randomFile, rawWrite, upload } from './support/content.ts';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '50' }, clusters: { type: 'string', default: '10' }, workers: { type: 'string', default: '10' } },
});
const MIB = Number(values.mib);
const CLUSTERS = Number(values.clusters);
const WORKERS = Number(values.workers);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-bench-deploy-'));

/** A TCP proxy that counts the bytes flowing from the OC to one manager. */
class CountingProxy {
  toManager = 0;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(target: URL) {
    this.#server = net.createServer((manager) => {
      const oc = net.connect(Number(target.port), target.hostname);
      for (const socket of [manager, oc]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          manager.destroy();
          oc.destroy();
        });
      }
      oc.on('data', (chunk: Buffer) => {
        this.toManager += chunk.length;
      });
      manager.pipe(oc).pipe(manager);
    });
  }

  static async start(target: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
  }
}

async function startManager(oc: LiveOc, name: string, proxy: CountingProxy): Promise<RunningProcess> {
  await oc.createCluster(name);
  const token = await oc.enrollmentToken(name);
  const configFile = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    configFile,
    stringify({
      oc: { url: proxy.url, enrollmentToken: token },
      cluster: name,
      manager: { name: `${name}-manager` },
      workers: [{ driver: 'simulated', namePrefix: `${name}-w`, count: WORKERS, behaviour: { startDelay: '50ms' } }],
    }),
  );
  return runOpscenter(['agent', '--config', configFile], { OPSCENTER_LOG_LEVEL: 'warn' });
}

async function main(): Promise<void> {
  // Production's liveness timings: the tests' fast ones would take a manager busy with a download for unreachable.
  const oc = await LiveOc.start({
    OPSCENTER_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3),
    OPSCENTER_HEARTBEAT_INTERVAL: '1s',
    OPSCENTER_SUSPECT_AFTER: '3',
    OPSCENTER_DOWN_AFTER: '6',
    OPSCENTER_MANAGER_LEASE: '15s',
    OPSCENTER_WARMUP: '3s',
  });
  const proxies: CountingProxy[] = [];
  const managers: RunningProcess[] = [];
  try {
    const pid = oc.process.child.pid as number;
    const artifact = await randomFile(dir, MIB);
    // As in bench:content, a first upload warms the OC up (JIT, the content store), so the timed one measures the path.
    await upload(oc, await randomFile(dir, 5), 'warm-up', 'warm-up.bin');
    const raw = await rawWrite(dir, artifact);
    const before = memoryKiB(pid, 'VmRSS');
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const uploaded = await upload(oc, artifact, '1', 'service.war');
    const peakMiB = (memoryKiB(pid, 'VmHWM') - before) / 1024;
    console.log(`Upload of ${MIB} MiB: ${(MIB / (uploaded.ms / 1000)).toFixed(0)} MiB/s against a raw write's ${(MIB / (raw / 1000)).toFixed(0)} MiB/s`);
    console.log(`  ratio (raw time / upload time): ${(raw / uploaded.ms).toFixed(2)}  (goal >= 0.5)`);
    console.log(`  OC peak memory over its resident memory during the upload: ${peakMiB.toFixed(1)} MiB for ${MIB} MiB (goal: flat, not proportional)`);

    for (let index = 0; index < CLUSTERS; index += 1) {
      const proxy = await CountingProxy.start(oc.url);
      proxies.push(proxy);
      managers.push(await startManager(oc, `bench-${index + 1}`, proxy));
    }
    await oc.eventually(
      async () => (await oc.query('{ nodes(first: 1, statuses: [UP]) { totalCount } }')).nodes.totalCount,
      (up: number) => up === CLUSTERS * (WORKERS + 1),
      120_000,
    );
    // Only what the deploy costs is counted: registration, membership and the first heartbeats are done.
    for (const proxy of proxies) proxy.toManager = 0;
    const started = performance.now();
    const created = await oc.query(
      `mutation($input: OperationInput!) { createOperation(input: $input) { __typename ... on Operation { id } ... on Error { code message } } }`,
      {
        input: {
          kind: 'DEPLOY',
          target: { all: true },
          deploy: { items: [uploaded.id] },
          strategy: { maxParallel: CLUSTERS * WORKERS, maxUnavailablePercent: 50, minHealthyTime: '0s' },
        },
      },
    );
    if (created.createOperation.__typename !== 'Operation') throw new Error(JSON.stringify(created));
    const done = await oc.eventually(
      () =>
        oc.query(
          'query($id: ID!) { operation(id: $id) { state stateReason progress { total succeeded } steps(first: 100) { nodes { nodeName state message } } } }',
          {
            id: created.createOperation.id,
          },
        ),
      (value) => ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(value.operation.state),
      600_000,
    );
    const seconds = (performance.now() - started) / 1000;
    if (done.operation.state !== 'SUCCEEDED') {
      const failed = done.operation.steps.nodes.filter((step: { state: string }) => !['SUCCEEDED', 'CANCELLED'].includes(step.state));
      throw new Error(`the deploy ended ${done.operation.state}: ${done.operation.stateReason}\n${JSON.stringify(failed.slice(0, 5), null, 2)}`);
    }
    const size = fs.statSync(artifact).size;
    const ratios = proxies.map((proxy) => proxy.toManager / size);
    console.log(
      `\nDeploy of ${MIB} MiB to ${CLUSTERS} clusters of ${WORKERS} simulated workers: ${done.operation.progress.succeeded} steps in ${seconds.toFixed(1)} s`,
    );
    console.log('  bytes the OC sent each cluster / artifact size (goal <= 1.1: one download per cluster)');
    console.log(`  ${ratios.map((ratio, index) => `bench-${index + 1} ${ratio.toFixed(3)}`).join('  ')}`);
    console.log(
      `  highest ${Math.max(...ratios).toFixed(3)}, lowest ${Math.min(...ratios).toFixed(3)}; per worker ${(Math.max(...ratios) / WORKERS).toFixed(3)}`,
    );
  } finally {
    for (const manager of managers) manager.child.kill('SIGKILL');
    for (const proxy of proxies) proxy.close();
    await oc.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
