// The OC for bench/operations.ts: the real app (HTTP + graphql-ws, engine, liveness) in its own
// process, configured from OPSCENTER_* / DATABASE_URL like `opscenter serve`. Its database is
// opened with the ORM's query hook (openDatabase's onQuery, the one tests use), so every SQL
// statement the OC issues is counted here; db.transaction is wrapped to count transactions (their
// BEGIN/COMMIT are not ORM statements). The parent talks to it over the IPC channel:
//   parent -> { type: 'reset' }                  start a counting window (statements, transactions, CPU)
//   parent -> { type: 'read' }                   reply { type: 'counters', ... } for the window so far
//   parent -> { type: 'stop' }                   stop the app and exit
//   child  -> { type: 'ready', url }             listening
//   child  -> { type: 'finished', id, state, counters }   an operation ended (counters snapshotted then)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../api/src/app.ts';
import { loadServerConfig } from '../api/src/config.ts';
import { openDatabase } from '../api/src/db/client.ts';
import { createLogger } from '../api/src/logger.ts';

export interface Counters {
  /** Statement text -> times issued in the window. */
  statements: [string, number][];
  transactions: number;
  cpuMs: number;
  wallMs: number;
  /** Event-loop delay in the window, ms. */
  loopDelayP99: number;
  loopDelayMax: number;
}

const config = loadServerConfig({}, process.env);
const logger = createLogger({ level: config.logLevel, format: 'json' });
let statements = new Map<string, number>();
let transactions = 0;
let cpuStart = process.cpuUsage();
let wallStart = performance.now();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const database = await openDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  onQuery: (text) => statements.set(text, (statements.get(text) ?? 0) + 1),
});
const transaction = database.db.transaction.bind(database.db);
database.db.transaction = ((...args: Parameters<typeof transaction>) => {
  transactions += 1;
  return transaction(...args);
}) as typeof database.db.transaction;

const counters = (): Counters => {
  const cpu = process.cpuUsage(cpuStart);
  return {
    statements: [...statements],
    transactions,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - wallStart,
    loopDelayP99: loopDelay.percentile(99) / 1e6,
    loopDelayMax: loopDelay.max / 1e6,
  };
};

const app = await buildApp({ config, logger, database });
app.services.engine.onFinished((operation) => process.send?.({ type: 'finished', id: operation.id, state: operation.state, counters: counters() }));
const { url } = await app.start(config.port, config.host);

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') {
    statements = new Map();
    transactions = 0;
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
    loopDelay.reset();
    process.send?.({ type: 'reset' });
  } else if (message.type === 'read') {
    process.send?.({ type: 'counters', counters: counters() });
  } else if (message.type === 'stop') {
    void app.stop().then(() => process.exit(0));
  }
});
process.on('disconnect', () => void app.stop().then(() => process.exit(0)));
process.send?.({ type: 'ready', url });
