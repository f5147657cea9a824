import type { Logger } from '../../logger.ts';
import type { Published } from '../../shared/events.ts';

type Listener = (event: Published) => void;

/** How long a gap in sequences may last before the bus reads the missing events back. */
const GAP_GRACE_MS = 250;

/**
 * The in-process event bus. Transactions publish after they commit; commits can finish out of
 * order across connections, so the bus holds back an event until every earlier sequence has
 * been delivered, and reads a missing one back from the database if its publisher never
 * delivers it (say, the publishing request was cut off after commit).
 */
export class EventBus {
  #next = 1;
  #pending = new Map<number, Published>();
  #listeners = new Set<Listener>();
  #gapTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly backfill: (after: number, upTo: number) => Promise<Published[]>,
    private readonly logger: Logger,
  ) {}

  /** Starts delivery after `head`, the newest sequence already in the database. */
  start(head: number): void {
    this.#next = head + 1;
  }

  /** The newest sequence delivered to listeners. */
  get head(): number {
    return this.#next - 1;
  }

  /** Events received out of order, held back until every earlier one is delivered. */
  get heldBack(): number {
    return this.#pending.size;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(events: readonly Published[]): void {
    for (const event of events) {
      if (event.sequence >= this.#next) this.#pending.set(event.sequence, event);
    }
    this.#drain();
  }

  stop(): void {
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    this.#gapTimer = null;
    this.#listeners.clear();
  }

  #drain(): void {
    let event = this.#pending.get(this.#next);
    while (event) {
      this.#pending.delete(this.#next);
      this.#next += 1;
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.error({ err: error }, 'event listener failed');
        }
      }
      event = this.#pending.get(this.#next);
    }
    if (this.#pending.size > 0 && !this.#gapTimer) {
      this.#gapTimer = setTimeout(() => void this.#fillGap(), GAP_GRACE_MS);
      this.#gapTimer.unref();
    }
  }

  async #fillGap(): Promise<void> {
    this.#gapTimer = null;
    if (this.#pending.size === 0) return;
    const upTo = Math.max(...this.#pending.keys());
    try {
      const missing = await this.backfill(this.#next - 1, upTo);
      this.publish(missing);
    } catch (error) {
      this.logger.error({ err: error }, 'could not read back missing events');
      this.#drain();
    }
  }
}
