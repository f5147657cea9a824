import { backoffDelay } from '$lib/utils/backoff';

export type SocketState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

const HEALTH_URL = '/healthz';

/**
 * How well the dashboard reaches the OC: the WebSocket that carries live events, and plain
 * HTTP requests. While HTTP requests fail it probes the server with backoff and calls
 * `onRecovered` once it answers again.
 */
export class ConnectionStatus {
  socket = $state<SocketState>('connecting');
  socketAttempt = $state(0);
  httpFailing = $state(false);
  stoppedReason = $state<string | null>(null);

  #probeTimer: ReturnType<typeof setTimeout> | null = null;
  #disposed = false;

  constructor(private readonly onRecovered: () => void) {}

  /** True when something the person sees may be out of date. */
  get degraded(): boolean {
    return this.httpFailing || this.socket === 'reconnecting' || this.socket === 'stopped';
  }

  socketConnecting(retrying: boolean): void {
    this.socket = retrying ? 'reconnecting' : 'connecting';
    if (retrying) this.socketAttempt += 1;
  }

  socketConnected(): void {
    this.socket = 'connected';
    this.socketAttempt = 0;
    this.stoppedReason = null;
  }

  socketClosed(): void {
    if (this.socket === 'connected') this.socket = 'reconnecting';
  }

  socketStopped(reason: string): void {
    this.socket = 'stopped';
    this.stoppedReason = reason;
  }

  httpSucceeded(): void {
    if (!this.httpFailing) return;
    this.httpFailing = false;
    this.#stopProbe();
    this.onRecovered();
  }

  httpFailed(): void {
    if (this.httpFailing) return;
    this.httpFailing = true;
    this.#probe(0);
  }

  dispose(): void {
    this.#disposed = true;
    this.#stopProbe();
  }

  #probe(attempt: number): void {
    this.#probeTimer = setTimeout(async () => {
      if (this.#disposed) return;
      const answered = await fetch(HEALTH_URL, { cache: 'no-store' }).then(
        (response) => response.ok,
        () => false,
      );
      if (answered) this.httpSucceeded();
      else if (this.httpFailing) this.#probe(attempt + 1);
    }, backoffDelay(attempt));
  }

  #stopProbe(): void {
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
  }
}
