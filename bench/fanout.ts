// Subscription fan-out: N graphql-ws subscribers of nodeStatusChanged while a fleet flaps, next to
// a bare `ws` server broadcasting the same payloads to the same number of clients, in the same run.
// Usage: npm run bench:fanout [-- --subscribers 100,1000 --events 200 --seconds 10]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { call } from '../test/helpers/gql.ts';
import { freePort, runOpscenter } from '../test/helpers/process.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100,1000' },
    events: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
  },
});
const SUBSCRIBER_COUNTS = values.subscribers.split(',').map(Number);
const EVENTS_PER_SECOND = Number(values.events);
const SECONDS = Number(values.seconds);
const WORKERS = 200;
const TICK_MS = 50;
const PASSWORD = 'bench-admin-password';
const CLIENT = path.join(import.meta.dirname, 'fanout-client.ts');

interface Run {
  received: number;
  p50: number;
  p99: number;
}

/** Starts the subscriber processes (two, one per core) and measures what they receive while `drive` runs. */
async function measure(mode: 'graphql' | 'raw', url: string, subscribers: number, token: string, drive: () => () => void): Promise<Run> {
  const processes = [0, 1].map(() =>
    spawn(process.execPath, ['--import', 'tsx', CLIENT, mode, url, String(subscribers / 2), String(SECONDS), token], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lines = processes.map((child) => {
    const output: string[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      output.push(...parts);
    });
    return output;
  });
  const waitLine = (index: number, count: number) =>
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (lines[index].length >= count) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
  await Promise.all([waitLine(0, 1), waitLine(1, 1)]);
  const stopDriving = drive();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const child of processes) child.stdin.write('go\n');
  await Promise.all([waitLine(0, 2), waitLine(1, 2)]);
  stopDriving();
  const results = lines.map((output) => JSON.parse(output[1]) as Run);
  return { received: results[0].received + results[1].received, p50: Math.max(results[0].p50, results[1].p50), p99: Math.max(results[0].p99, results[1].p99) };
}

async function throughOc(): Promise<Map<number, Run>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-fanout-'));
  const port = await freePort();
  const server = runOpscenter(['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'info'], {
    OPSCENTER_INITIAL_ADMIN_PASSWORD: PASSWORD,
    OPSCENTER_HEARTBEAT_INTERVAL: '1h',
  });
  const results = new Map<number, Run>();
  try {
    await server.waitFor(/listening on/);
    const url = `http://127.0.0.1:${port}`;
    const token = (await call(url, `mutation($p: String!) { login(username: "admin", password: $p) { ... on Session { token } } }`, { p: PASSWORD })).login
      .token;
    await call(url, 'mutation { createCluster(input: { name: "flap", productKind: "bench" }) { __typename } }', {}, token);
    const enrollment = (await call(url, 'mutation { createEnrollmentToken(cluster: "flap") { ... on EnrollmentToken { token } } }', {}, token))
      .createEnrollmentToken.token;
    const credential = (
      await call(url, `mutation($i: RegisterManagerInput!) { registerManager(input: $i) { ... on ManagerRegistration { credential } } }`, {
        i: { enrollmentToken: enrollment, cluster: 'flap', manager: { name: 'flap-manager' } },
      })
    ).registerManager.credential;
    const names = Array.from({ length: WORKERS }, (_, index) => `flap-${index}`);
    await call(
      url,
      `mutation($i: MembershipInput!) { reportMembership(input: $i) { __typename } }`,
      { i: { snapshot: names.map((name) => ({ name })) } },
      credential,
    );
    const healthy = new Set(names);
    let sequence = 0;
    let cursor = 0;
    const flipsPerTick = Math.max(1, Math.round((EVENTS_PER_SECOND * TICK_MS) / 1000));
    // Each tick flips a few workers between healthy and stopped: one status event per flip.
    const drive = () => {
      const timer = setInterval(() => {
        for (let flip = 0; flip < flipsPerTick; flip += 1) {
          const name = names[cursor++ % WORKERS];
          if (healthy.has(name)) healthy.delete(name);
          else healthy.add(name);
        }
        sequence += 1;
        void call(
          url,
          `mutation($i: HeartbeatBatchInput!) { sendHeartbeats(input: $i) { __typename } }`,
          {
            i: {
              sequence,
              entries: [{ name: 'flap-manager', state: 'HEALTHY' }, ...names.map((name) => ({ name, state: healthy.has(name) ? 'HEALTHY' : 'STOPPED' }))],
            },
          },
          credential,
        ).catch((error: Error) => console.error(`heartbeat failed: ${error.message}`));
      }, TICK_MS);
      return () => clearInterval(timer);
    };
    for (const subscribers of SUBSCRIBER_COUNTS) {
      results.set(subscribers, await measure('graphql', `ws://127.0.0.1:${port}/graphql`, subscribers, token, drive));
    }
    return results;
  } finally {
    if (server.child.exitCode !== null) console.error(`the OC exited early:\n${server.output().slice(-3000)}`);
    server.child.kill('SIGTERM');
    await server.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The floor: a bare ws server sending each pre-serialised payload to every client. */
async function rawBroadcast(): Promise<Map<number, Run>> {
  const port = await freePort();
  const wss = new WebSocketServer({ port, host: '127.0.0.1' });
  const results = new Map<number, Run>();
  let sequence = 0;
  const drive = () => {
    const flipsPerTick = Math.max(1, Math.round((EVENTS_PER_SECOND * TICK_MS) / 1000));
    const timer = setInterval(() => {
      for (let flip = 0; flip < flipsPerTick; flip += 1) {
        sequence += 1;
        const frame = JSON.stringify({
          id: '1',
          type: 'next',
          payload: {
            data: {
              nodeStatusChanged: {
                sequence,
                nodeName: `flap-${sequence % WORKERS}`,
                clusterName: 'flap',
                from: 'UP',
                to: 'SUSPECT',
                cause: 'REPORTED_FAILURE',
                at: new Date().toISOString(),
              },
            },
          },
        });
        for (const client of wss.clients) client.send(frame);
      }
    }, TICK_MS);
    return () => clearInterval(timer);
  };
  try {
    for (const subscribers of SUBSCRIBER_COUNTS) results.set(subscribers, await measure('raw', `ws://127.0.0.1:${port}`, subscribers, '', drive));
    return results;
  } finally {
    wss.close();
  }
}

console.log(`subscription fan-out: ${EVENTS_PER_SECOND} status events/s offered, ${SECONDS}s measured, subscribers in two client processes`);
const oc = await throughOc();
const raw = await rawBroadcast();
console.log('subscribers   OC msgs/s   p50 ms   p99 ms   raw ws msgs/s   p50 ms   p99 ms   ratio (target >= 0.5)');
for (const subscribers of SUBSCRIBER_COUNTS) {
  const ours = oc.get(subscribers) as Run;
  const floor = raw.get(subscribers) as Run;
  console.log(
    `${String(subscribers).padStart(11)}   ${(ours.received / SECONDS).toFixed(0).padStart(9)}   ${String(ours.p50).padStart(6)}   ${String(ours.p99).padStart(6)}   ${(floor.received / SECONDS).toFixed(0).padStart(13)}   ${String(floor.p50).padStart(6)}   ${String(floor.p99).padStart(6)}   ${(ours.received / floor.received).toFixed(2).padStart(21)}`,
  );
}
