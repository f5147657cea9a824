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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LiveOc } from '../test/helpers/live-fleet.ts';
import { memoryKiB, randomFile, rawWrite, upload } from './support/content.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '50,200' }, engines: { type: 'string' } } });
const SIZES_MIB = values.sizes.split(',').map(Number);
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const ENGINES = (values.engines ?? (serverUrl ? 'pglite,postgres' : 'pglite')).split(',') as ('pglite' | 'postgres')[];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-bench-content-'));

async function run(engine: 'pglite' | 'postgres', files: Map<number, string>) {
  if (engine === 'postgres') process.env.TEST_DATABASE_URL = serverUrl;
  else delete process.env.TEST_DATABASE_URL;
  const oc = await LiveOc.start({ OPSCENTER_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3) });
  const pid = oc.process.child.pid as number;
  try {
    await upload(oc, files.get(SIZES_MIB[0]) as string, 'warm-up');
    console.log(`\n${engine}: upload vs raw file write (ratio = raw time / upload time; goal >= 0.5)`);
    console.log('  size      raw MiB/s  upload MiB/s  ratio  OC peak over its resident memory');
    const peaks: number[] = [];
    for (const [index, mib] of SIZES_MIB.entries()) {
      const file = files.get(mib) as string;
      const raw = await rawWrite(dir, file);
      const before = memoryKiB(pid, 'VmRSS');
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const { ms } = await upload(oc, file, String(index));
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
  for (const mib of SIZES_MIB) files.set(mib, await randomFile(dir, mib));
  for (const engine of ENGINES) await run(engine, files);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
