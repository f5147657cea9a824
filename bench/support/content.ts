// What the content benchmarks share: random files, the raw-write baseline, uploads and the OC's memory.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { LiveOc } from '../../test/helpers/live-fleet.ts';

const MIB = 1024 * 1024;

/** A file of `mib` MiB of random bytes in `dir`. */
export async function randomFile(dir: string, mib: number): Promise<string> {
  const file = path.join(dir, `random-${mib}.bin`);
  const out = fs.createWriteStream(file);
  for (let written = 0; written < mib; written++) if (!out.write(randomBytes(MIB))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await new Promise<void>((resolve) => out.end(resolve));
  return file;
}

/** The baseline: the same bytes streamed from disk into a new file, and fsynced. */
export async function rawWrite(dir: string, file: string): Promise<number> {
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

export function memoryKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(`${field}:`));
  return Number(line?.match(/\d+/)?.[0] ?? Number.NaN);
}

/** POSTs the file with node:http, piped from disk: the leanest client, so the OC's side is what is timed. */
export async function upload(oc: LiveOc, file: string, version: string, name = 'bench.bin'): Promise<{ ms: number; id: string }> {
  const size = fs.statSync(file).size;
  const started = performance.now();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(`${oc.url}/api/content?kind=ARTIFACT&name=${name}&version=${version}`, {
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
  return { ms: performance.now() - started, id: JSON.parse(answer.body).item.id };
}
