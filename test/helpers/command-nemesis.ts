import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

interface CommandFrame {
  id: string;
  type: 'next';
  payload: { data: { agentCommands: { id: string } } };
}

/**
 * The fault injector of reliability.md F2: a proxy between agents and the OC that delivers every
 * command 2–3 times, holds one back until the next has gone out (reordering), and with each new
 * command sends an earlier, already finished one again. HTTP requests pass through unchanged.
 */
export class CommandNemesis {
  duplicates = 0;
  reorders = 0;
  replaysOfOld = 0;
  readonly #server: http.Server;
  readonly #sockets = new Set<WebSocket>();
  #random: () => number;

  private constructor(
    readonly target: string,
    seed: number,
  ) {
    this.#random = mulberry32(seed);
    this.#server = http.createServer((request, response) => void this.#forward(request, response));
    const wss = new WebSocketServer({ server: this.#server, handleProtocols: (protocols) => [...protocols][0] ?? false });
    wss.on('connection', (agentSide, request) => this.#relay(agentSide, request));
  }

  static async start(target: string, seed = 1): Promise<CommandNemesis> {
    const nemesis = new CommandNemesis(target, seed);
    await new Promise<void>((resolve) => nemesis.#server.listen(0, '127.0.0.1', resolve));
    return nemesis;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #forward(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    try {
      const upstream = await fetch(`${this.target}${request.url}`, {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<
          string,
          string
        >,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      // The OC is down: the agent must see it as unreachable, as it would without the proxy.
      request.socket.destroy();
    }
  }

  #relay(agentSide: WebSocket, request: http.IncomingMessage): void {
    this.#sockets.add(agentSide);
    const ocSide = new WebSocket(`${this.target.replace(/^http/, 'ws')}${request.url}`, agentSide.protocol);
    this.#sockets.add(ocSide);
    const pending: string[] = [];
    let held: CommandFrame | null = null;
    const delivered: CommandFrame[] = [];
    const close = () => {
      agentSide.terminate();
      ocSide.terminate();
    };
    ocSide.on('open', () => {
      for (const message of pending.splice(0)) ocSide.send(message);
    });
    agentSide.on('message', (data) => (ocSide.readyState === WebSocket.OPEN ? ocSide.send(data.toString()) : pending.push(data.toString())));
    ocSide.on('message', (data) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Partial<CommandFrame>;
      if (frame.type !== 'next' || !frame.payload?.data?.agentCommands) {
        agentSide.send(text);
        return;
      }
      const command = frame as CommandFrame;
      const send = (message: CommandFrame) => {
        const copies = 2 + Math.floor(this.#random() * 2);
        this.duplicates += copies - 1;
        for (let copy = 0; copy < copies; copy += 1) agentSide.send(JSON.stringify(message));
      };
      const earlier = delivered.filter((candidate) => candidate.payload.data.agentCommands.id !== command.payload.data.agentCommands.id);
      const older = earlier.length > 0 ? earlier[Math.floor(this.#random() * earlier.length)] : null;
      if (held) {
        send(command);
        send(held);
        this.reorders += 1;
        held = null;
      } else if (this.#random() < 0.5) {
        held = command;
        // Released with the next command, or on its own shortly after if none comes.
        setTimeout(() => {
          if (held === command) {
            held = null;
            send(command);
          }
        }, 300);
      } else {
        send(command);
      }
      if (older) {
        agentSide.send(JSON.stringify({ ...older, id: command.id }));
        this.replaysOfOld += 1;
      }
      delivered.push(command);
    });
    agentSide.on('close', close);
    ocSide.on('close', close);
    agentSide.on('error', close);
    ocSide.on('error', close);
  }
}

/** A small seeded generator, so a failing seed replays the same faults. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
