// Content uploads: throughput of POST /content next to a raw file write of the same bytes, and
// the OC's peak memory during each upload, for growing sizes (streamed, it must not grow with them).
//
// Usage: npm run bench:content [-- --sizes 50,200 --engines pglite,postgres]
//   --sizes LIST     upload sizes in MiB (default 50,200)
//   --engines LIST   pglite,postgres (default: pglite, plus postgres when BENCH_DATABASE_URL or
//                    TEST_DATABASE_URL names a server database to create scratch databases from)
//
// The OC is a real `opscenter serve` process. Each upload streams a file of random bytes from disk
// over HTTP; the baseline streams the same file into a new file in the same directory and fsyncs it,
// which is the least an upload must do. Peak memory is the OC process's VmHWM, reset before each
// upload through /proc/<pid>/clear_refs, minus its resident memory just before the upload.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { LiveOc } from '../test/helpers/live-fleet.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '50,200' }, engines: { type: 'string' } } });
const SIZES_MIB = values.sizes.split(',').map(Number);
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const ENGINES = (values.engines ?? (serverUrl ? 'pglite,postgres' : 'pglite')).split(',') as ('pglite' | 'postgres')[];
const MIB = 1024 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-bench-content-'));

async function randomFile(mib: number): Promise<string> {
  const file = path.join(dir, `random-${mib}.bin`);
  const out = fs.createWriteStream(file);
  for (let written = 0; written < mib; written++) if (!out.write(randomBytes(MIB))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await new Promise<void>((resolve) => out.end(resolve));
  return file;
}

/** The baseline: the same bytes streamed from disk into a new file, and fsynced. */
async function rawWrite(file: string): Promise<number> {
  const target = path.join(dir, 'raw-copy.bin');
  const started = performance.now();
  await pipeline(fs.createReadStream(file), fs.createWriteStream(target));
  const handle = await fs.promises.open(target, 'r+');
  await handle.sync();
  await handle.close();
  const ms = performance.now() - started;
  fs.rmSync(target);
  return ms;
}

function memoryKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(`${field}:`));
  return Number(line?.match(/\d+/)?.[0] ?? Number.NaN);
}

/** POSTs the file with node:http, piped from disk: the leanest client, so the OC's side is what is timed. */
async function upload(oc: LiveOc, file: string, version: string): Promise<number> {
  const size = fs.statSync(file).size;
  const started = performance.now();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(`${oc.url}/api/content?kind=ARTIFACT&name=bench.bin&version=${version}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${oc.token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    request.once('response', (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('error', reject);
    fs.createReadStream(file).pipe(request);
  });
  if (answer.status !== 201 || JSON.parse(answer.body).item?.size !== size) throw new Error(`upload failed: HTTP ${answer.status} ${answer.body}`);
  return performance.now() - started;
}

async function run(engine: 'pglite' | 'postgres', files: Map<number, string>) {
  if (engine === 'postgres') process.env.TEST_DATABASE_URL = serverUrl;
  else delete process.env.TEST_DATABASE_URL;
  const oc = await LiveOc.start({ OPSCENTER_MAX_UPLOAD_BYTES: String(2 * 1024 * MIB) });
  const pid = oc.process.child.pid as number;
  try {
    await upload(oc, files.get(SIZES_MIB[0]) as string, 'warm-up');
    console.log(`\n${engine}: upload vs raw file write (ratio = raw time / upload time; goal >= 0.5)`);
    console.log('  size      raw MiB/s  upload MiB/s  ratio  OC peak over its resident memory');
    const peaks: number[] = [];
    for (const [index, mib] of SIZES_MIB.entries()) {
      const file = files.get(mib) as string;
      const raw = await rawWrite(file);
      const before = memoryKiB(pid, 'VmRSS');
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const ms = await upload(oc, file, String(index));
      const peak = (memoryKiB(pid, 'VmHWM') - before) / 1024;
      peaks.push(peak);
      const rate = (time: number) => (mib / (time / 1000)).toFixed(0).padStart(9);
      console.log(`  ${String(mib).padStart(4)} MiB ${rate(raw)}  ${rate(ms)}     ${(raw / ms).toFixed(2)}  ${peak.toFixed(1)} MiB`);
    }
    const growth = peaks.at(-1) as number;
    console.log(
      `  peak growth from ${SIZES_MIB[0]} to ${SIZES_MIB.at(-1)} MiB: ${(growth - peaks[0]).toFixed(1)} MiB for ${(SIZES_MIB.at(-1) as number) - SIZES_MIB[0]} MiB more (goal: flat, not proportional)`,
    );
  } finally {
    await oc.dispose();
  }
}

try {
  const files = new Map<number, string>();
  for (const mib of SIZES_MIB) files.set(mib, await randomFile(mib));
  for (const engine of ENGINES) await run(engine, files);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
