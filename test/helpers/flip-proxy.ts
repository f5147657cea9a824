import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

/**
 * A proxy between an agent and the OC that corrupts content in transit: every download from
 * /api/content/ arrives with one byte flipped. Everything else, WebSocket upgrades included,
 * passes through unchanged.
 */
export class FlipProxy {
  flipped = 0;
  readonly #server: http.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(readonly target: URL) {
    this.#server = http.createServer((request, response) => this.#forward(request, response));
    this.#server.on('upgrade', (request, client: net.Socket, head) => this.#tunnel(request, client, head));
  }

  static async start(target: string): Promise<FlipProxy> {
    const proxy = new FlipProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const upstream = http.request(
      { host: this.target.hostname, port: this.target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        const corrupt = request.url?.startsWith('/api/content/') && answer.statusCode === 200;
        let first = true;
        answer.on('data', (chunk: Buffer) => {
          if (corrupt && first && chunk.length > 0) {
            chunk[0] ^= 0x01;
            this.flipped += 1;
          }
          first = false;
          response.write(chunk);
        });
        answer.on('end', () => response.end());
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  }

  #tunnel(request: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const upstream = net.connect(Number(this.target.port), this.target.hostname, () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`, ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`)];
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  }
}
