// One process holding many subscribers, for bench/fanout.ts: either graphql-ws clients of the OC or
// bare WebSocket clients of the baseline server. Prints one JSON line with what it received.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [mode, url, count, seconds, token] = process.argv.slice(2);
const SUBSCRIPTION = 'subscription { nodeStatusChanged { ... on NodeStatusChange { sequence nodeName clusterName from to cause at } } }';

let measuring = false;
let received = 0;
const latencies: number[] = [];
const record = (at: string) => {
  if (!measuring) return;
  received += 1;
  if (received % 7 === 0) latencies.push(Date.now() - Date.parse(at));
};

const connected: Promise<void>[] = [];
for (let index = 0; index < Number(count); index += 1) {
  if (mode === 'graphql') {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false, retryAttempts: 0 });
    connected.push(new Promise((resolve) => client.on('connected', () => resolve())));
    client.subscribe<{ nodeStatusChanged: { at: string } }>(
      { query: SUBSCRIPTION },
      {
        next: (message) => record(message.data?.nodeStatusChanged.at as string),
        error: () => {},
        complete: () => {},
      },
    );
  } else {
    const socket = new WebSocket(url);
    connected.push(new Promise((resolve) => socket.once('open', () => resolve())));
    socket.on('message', (data) =>
      record((JSON.parse(String(data)) as { payload: { data: { nodeStatusChanged: { at: string } } } }).payload.data.nodeStatusChanged.at),
    );
  }
}
await Promise.all(connected);
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  measuring = true;
  setTimeout(() => {
    measuring = false;
    latencies.sort((a, b) => a - b);
    const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    process.stdout.write(`${JSON.stringify({ received, p50: pick(0.5), p99: pick(0.99) })}\n`);
    process.exit(0);
  }, Number(seconds) * 1000);
});
