import { type SendResult, send } from './notifications.senders.ts';
import type { ChannelRow, NotificationRow } from './notifications.table.ts';

/** A finished send, waiting to be recorded. */
export interface Sent {
  notification: NotificationRow;
  channel: ChannelRow;
  result: SendResult;
}

/** Sends in flight at once, across channels. */
export const SEND_WINDOW = 50;
/** A pass stops claiming after this many, so the event export runs between long runs of deliveries. */
const MAX_PER_PASS = 20 * SEND_WINDOW;

export interface DeliveryStore {
  /**
   * Records finished sends and claims up to `room` due notifications, in one statement. The
   * `held` ones (claimed, not yet recorded) keep their claims and are never claimed again.
   */
  recordAndClaim(sent: Sent[], room: number, held: string[]): Promise<NotificationRow[]>;
  channels(ids: string[]): Promise<ChannelRow[]>;
}

/**
 * One delivery pass over the outbox. It keeps `SEND_WINDOW` sends in flight, so a slow receiver
 * holds one slot, not a batch. Claimed notifications wait in a short queue: a slot that frees
 * starts the next send at once while the store records the finished sends and claims more in
 * the background. Every refill passes on what the pass still holds, which the store never claims
 * again and keeps leased, so a notification waiting behind slow receivers is not sent twice.
 * Notifications committed during the pass wake it (`wake`), so they do not wait for its slowest
 * send.
 */
export class DeliveryPass {
  readonly #channels = new Map<string, ChannelRow>();
  readonly #queue: NotificationRow[] = [];
  /** Claimed and not yet recorded: queued, in flight or finished. */
  readonly #held = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  #finished: Sent[] = [];
  #refilling: Promise<void> | null = null;
  #attempted = 0;
  /** Nothing more was due at the last claim (or the pass has claimed its share). */
  #drained = false;
  #wakes = 0;
  #seenWakes = 0;
  #wakeUp!: Promise<void>;
  #resolveWakeUp!: () => void;

  constructor(
    private readonly store: DeliveryStore,
    /** Whether the service is stopping: no more claims, but what is in flight is recorded. */
    private readonly stopping: () => boolean,
  ) {
    this.#sleep();
  }

  /** True when it stopped claiming at its share, with more due: the caller runs another pass. */
  get cutShort(): boolean {
    return this.#attempted >= MAX_PER_PASS;
  }

  wake(): void {
    this.#wakes += 1;
    this.#resolveWakeUp();
    this.#sleep();
  }

  /** Runs the pass to its end; returns how many notifications it attempted. */
  async run(): Promise<number> {
    for (;;) {
      this.#startSends();
      if (this.#seenWakes !== this.#wakes) {
        this.#seenWakes = this.#wakes;
        this.#drained = this.cutShort;
      }
      if (!this.#refilling) {
        if (this.cutShort) this.#drained = true;
        if (!this.#drained && !this.stopping() && this.#queue.length < SEND_WINDOW / 2) this.#refill(SEND_WINDOW - this.#queue.length);
        else if (this.#finished.length >= SEND_WINDOW / 2 || (this.#finished.length > 0 && this.#inFlight.size === 0)) this.#refill(0);
        else if (this.#inFlight.size === 0 && this.#queue.length === 0) return this.#attempted;
      }
      await Promise.race([...this.#inFlight, ...(this.#refilling ? [this.#refilling] : []), this.#wakeUp]);
    }
  }

  #sleep(): void {
    this.#wakeUp = new Promise<void>((resolve) => {
      this.#resolveWakeUp = resolve;
    });
  }

  #startSends(): void {
    while (this.#inFlight.size < SEND_WINDOW && this.#queue.length > 0) {
      const notification = this.#queue.shift() as NotificationRow;
      const channel = this.#channels.get(notification.channelId);
      if (!channel) {
        this.#held.delete(notification.id);
        continue;
      }
      const sending = send(channel, { id: notification.id, createdAt: notification.createdAt, message: notification.message }).then((result) => {
        this.#finished.push({ notification, channel, result });
        this.#inFlight.delete(sending);
      });
      this.#inFlight.add(sending);
    }
  }

  #refill(room: number): void {
    const done = this.#finished;
    const wakesBefore = this.#wakes;
    this.#finished = [];
    for (const { notification } of done) this.#held.delete(notification.id);
    this.#refilling = this.store.recordAndClaim(done, room, [...this.#held]).then(async (claimed) => {
      for (const row of claimed) this.#held.add(row.id);
      const missing = [...new Set(claimed.map((row) => row.channelId))].filter((id) => !this.#channels.has(id));
      if (missing.length > 0) for (const channel of await this.store.channels(missing)) this.#channels.set(channel.id, channel);
      this.#queue.push(...claimed);
      this.#attempted += claimed.length;
      // Nothing more is due, unless something committed after the claim read the outbox.
      if (claimed.length < room && this.#wakes === wakesBefore) this.#drained = true;
      this.#refilling = null;
    });
  }
}
