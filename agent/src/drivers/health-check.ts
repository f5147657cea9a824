import net from 'node:net';

export type HealthCheck = { http: string } | { tcp: number; host: string };

export interface HealthResult {
  healthy: boolean;
  /** The version the worker reports on its health endpoint, if it does. */
  version?: string;
  /** Where the worker says it reports what it loaded (the demo worker: /inventory), resolved against the health URL. */
  inventoryUrl?: string;
}

const TIMEOUT_MS = 2000;

/** HTTP: a 2xx answer within the timeout (a JSON body may carry a version and an inventory path). TCP: a connection. */
export async function checkHealth(check: HealthCheck): Promise<HealthResult> {
  if ('http' in check) {
    try {
      const response = await fetch(check.http, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      const text = await response.text();
      let version: string | undefined;
      let inventoryUrl: string | undefined;
      try {
        const body = JSON.parse(text) as { version?: unknown; inventory?: unknown };
        if (typeof body.version === 'string') version = body.version;
        if (typeof body.inventory === 'string') inventoryUrl = new URL(body.inventory, check.http).href;
      } catch {
        version = undefined;
      }
      return { healthy: response.ok, version, inventoryUrl };
    } catch {
      return { healthy: false };
    }
  }
  return new Promise((resolve) => {
    const socket = net.connect({ port: check.tcp, host: check.host });
    const done = (healthy: boolean) => {
      socket.destroy();
      resolve({ healthy });
    };
    socket.setTimeout(TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
