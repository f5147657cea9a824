import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { inventoryFiles, type LoadedItem, sha256Of, type Tenant } from '../drivers/inventory.ts';
import { listFiles } from '../drivers/proc-stats.ts';

export interface WorkerOptions {
  name: string;
  port: number;
  host: string;
  version: string;
  patchesDir?: string;
  /** Configuration files it reads at start, reported as loaded CONFIG items. */
  configFiles?: string[];
  /** The tenants it hosts, reported at /inventory (then in its object form, { loaded, tenants }). */
  tenants?: Tenant[];
  /** Health fails for this long after start, like a product server warming up. */
  startDelayMs: number;
  failHealth: boolean;
  /** Exit with an error this long after start (a crash), if set. */
  crashAfterMs?: number;
  /** How long a graceful stop (SIGTERM) takes. */
  stopDelayMs: number;
  /** Exit when this process is gone, so a demo never leaves workers behind. */
  exitWithPid?: number;
  /** If this file exists when the worker starts, its health check fails for good (a restart that goes wrong). */
  failHealthIfExists?: string;
}

/**
 * A small HTTP server standing in for a product server (an application server, an ESB): it
 * answers /health, reports its version, the patches present in its patches directory and, at
 * /inventory, the patches and config files it loaded when it started (and the tenants it hosts, if
 * it is given any), and can be made to fail for demos and tests.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const startedAt = Date.now();
  // Like a product server, it reads its patches and configuration once, at start: a file changed
  // afterwards is installed but not loaded until the next start.
  const loaded: LoadedItem[] = [];
  for (const { kind, file } of inventoryFiles({ patchesDir: options.patchesDir, configFiles: options.configFiles })) {
    try {
      loaded.push({ kind, name: path.basename(file), sha256: await sha256Of(file) });
    } catch {
      // A config file that is not there is not loaded.
    }
  }
  let failHealth = options.failHealth || (options.failHealthIfExists !== undefined && fs.existsSync(options.failHealthIfExists));
  // `inventory` tells the agent where to read what this process loaded.
  const describe = () => ({ name: options.name, version: options.version, patches: listFiles(options.patchesDir), pid: process.pid, inventory: '/inventory' });
  const send = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && route === '/health') {
      if (Date.now() - startedAt < options.startDelayMs) return send(res, 503, { status: 'starting', ...describe() });
      if (failHealth) return send(res, 503, { status: 'failing', ...describe() });
      return send(res, 200, { status: 'ok', ...describe() });
    }
    if (req.method === 'GET' && route === '/version') return send(res, 200, { version: options.version });
    if (req.method === 'GET' && route === '/console') {
      const info = describe();
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><title>${info.name} console</title><body style="font-family:sans-serif;margin:2rem">` +
            `<h1>${info.name}</h1><p>Demo management console. Version ${info.version}, pid ${info.pid}, ` +
            `up ${Math.round((Date.now() - startedAt) / 1000)} s, health ${failHealth ? 'failing' : 'ok'}.</p>` +
            `<p>Patches: ${info.patches.length ? info.patches.join(', ') : 'none'}</p></body>`,
        );
      return;
    }
    if (req.method === 'GET' && route === '/patches') return send(res, 200, describe().patches);
    if (req.method === 'GET' && route === '/inventory') return send(res, 200, options.tenants?.length ? { loaded, tenants: options.tenants } : loaded);
    if (req.method === 'POST' && route === '/control') {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        try {
          const change = JSON.parse(body || '{}') as { failHealth?: boolean; crash?: boolean };
          if (typeof change.failHealth === 'boolean') failHealth = change.failHealth;
          send(res, 200, { failHealth });
          if (change.crash) setImmediate(() => process.exit(70));
        } catch {
          send(res, 400, { error: 'expected JSON like {"failHealth": true} or {"crash": true}' });
        }
      });
      return;
    }
    send(res, 404, { error: 'try /health, /version, /patches, /inventory, /console or POST /control' });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      console.log(`worker ${options.name} ${options.version} listening on http://${options.host}:${options.port} (pid ${process.pid})`);
      if (options.crashAfterMs) setTimeout(() => process.exit(70), options.crashAfterMs).unref();
      if (options.exitWithPid) {
        const owner = options.exitWithPid;
        setInterval(() => {
          try {
            process.kill(owner, 0);
          } catch {
            process.exit(0);
          }
        }, 1000).unref();
      }
      const stop = () => {
        setTimeout(() => server.close(() => process.exit(0)), options.stopDelayMs);
        server.closeIdleConnections();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      resolve();
    });
  });
}
