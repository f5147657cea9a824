import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** A TCP connection that sends exactly the bytes a test gives it, for requests no well-behaved client would make. */
export interface RawConnection {
  socket: net.Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves once what was received matches, or the connection closed (then with what arrived). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  closed: Promise<void>;
}

export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const wakers = new Set<() => void>();
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (const wake of wakers) wake();
    });
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        done();
        for (const wake of wakers) wake();
      }),
    );
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        received: () => buffer,
        waitFor(pattern, ms = 5_000) {
          return new Promise((done, fail) => {
            const check = () => {
              const text = buffer.toString('latin1');
              if (pattern.test(text) || socket.destroyed) {
                cleanup();
                done(text);
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(new Error(`timed out waiting for ${pattern}; received ${JSON.stringify(buffer.toString('latin1'))}`));
            }, ms);
            const cleanup = () => {
              clearTimeout(timer);
              wakers.delete(check);
            };
            wakers.add(check);
            check();
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** The request line and headers of a WebSocket upgrade to /graphql, with any extra headers. */
export function upgradeRequest(port: number, headers: Record<string, string> = {}): string {
  const lines = [
    'GET /graphql HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Protocol: graphql-transport-ws',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** One WebSocket frame as a client would send it (masked), with full control over its bits. */
export function frame(
  payload: Buffer | string,
  options: { opcode?: number; fin?: boolean; rsv?: number; masked?: boolean; declaredLength?: number } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { opcode = 0x1, fin = true, rsv = 0, masked = true } = options;
  const length = options.declaredLength ?? data.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const maskBit = masked ? 0x80 : 0;
  let lengthBytes: Buffer;
  if (length < 126) lengthBytes = Buffer.from([maskBit | length]);
  else if (length < 65536) {
    lengthBytes = Buffer.alloc(3);
    lengthBytes[0] = maskBit | 126;
    lengthBytes.writeUInt16BE(length, 1);
  } else {
    lengthBytes = Buffer.alloc(9);
    lengthBytes[0] = maskBit | 127;
    lengthBytes.writeBigUInt64BE(BigInt(length), 1);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), lengthBytes, data]);
  const mask = randomBytes(4);
  const body = Buffer.from(data.map((byte, index) => byte ^ mask[index % 4]));
  return Buffer.concat([Buffer.from(head), lengthBytes, mask, body]);
}
