import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  body: any;
  /** Whether the Standard Webhooks library accepted its signature. */
  verified: boolean;
}

/**
 * A webhook receiver as a partner would run one: it checks each delivery's signature with the
 * Standard Webhooks library and keeps what it accepted. `failing` makes it answer 503, as a
 * receiver that is down would.
 */
export async function startWebhookReceiver(secret: string) {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  let failing = false;
  let attempts = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      attempts += 1;
      if (failing) {
        response.writeHead(503).end();
        return;
      }
      const payload = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        verifier.verify(payload, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      received.push({ id: String(request.headers['webhook-id']), body: JSON.parse(payload), verified });
      response.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    get attempts() {
      return attempts;
    },
    set failing(value: boolean) {
      failing = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A fresh Standard Webhooks signing secret. */
export function signingSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
}
