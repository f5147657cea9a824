import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { BoundedQueue } from '../../shared/event-queue.ts';
import type { EventChannel, Published } from '../../shared/events.ts';
import type { EventBus } from './events.bus.ts';
import type { EventsRepository } from './events.repository.ts';
import type { ChannelEvent, StreamItem } from './events.types.ts';

/** How far behind a subscriber may fall, live or on resume, before it is told to resync. */
export const MAX_BACKLOG = 10_000;

export interface StreamOptions<Channel extends EventChannel> {
  channel: Channel;
  /** Resume after this sequence; without it the stream starts with the next event. */
  afterSequence?: number | null;
  matches: (event: ChannelEvent<Channel>) => boolean;
}

export class EventsService {
  #pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly repository: EventsRepository,
    private readonly bus: EventBus,
    private readonly retention: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { head } = await this.repository.bounds(this.db);
    this.bus.start(head);
    this.#pruneTimer = setInterval(() => void this.prune(), 60_000);
    this.#pruneTimer.unref();
  }

  stop(): void {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.bus.stop();
  }

  /**
   * How far delivery to subscribers trails the database: the newest sequence committed, the newest
   * delivered, and how many events wait for an earlier one.
   */
  async delivery(): Promise<{ committed: number; delivered: number; heldBack: number }> {
    const delivered = this.bus.head;
    const heldBack = this.bus.heldBack;
    return { committed: await this.repository.head(this.db), delivered, heldBack };
  }

  async prune(): Promise<void> {
    try {
      await this.repository.pruneKeeping(this.db, this.retention);
    } catch (error) {
      this.logger.warn({ err: error }, 'event pruning failed');
    }
  }

  /**
   * Live events of one channel. With `afterSequence`, first replays what was missed from the
   * retained window, or yields a resync marker when that window no longer covers it. Live
   * events are buffered during the replay, so nothing falls between the two.
   */
  stream<Channel extends EventChannel>({ channel, afterSequence, matches }: StreamOptions<Channel>): AsyncIterableIterator<StreamItem<Channel>> {
    const resuming = afterSequence !== undefined && afterSequence !== null;
    let last = resuming ? afterSequence : this.bus.head;
    let replaying = resuming;
    const buffered: Published[] = [];
    const queue = new BoundedQueue<StreamItem<Channel>>(
      MAX_BACKLOG,
      () => ({ kind: 'resync', sequence: this.bus.head, reason: 'The subscriber fell too far behind; refetch and resubscribe.' }),
      () => unsubscribe(),
    );
    const deliver = (published: Published) => {
      if (published.sequence <= last) return;
      last = published.sequence;
      // A channel carries only the events its module's builders made for it (ChannelEvents).
      const event = published as ChannelEvent<Channel>;
      if (matches(event)) queue.push(event);
    };
    const unsubscribe = this.bus.subscribe((event) => {
      if (event.channel !== channel) return;
      if (replaying) buffered.push(event);
      else deliver(event);
    });
    if (resuming) {
      this.#replay(channel, last, deliver, queue)
        .then((resumeFrom) => {
          last = Math.max(last, resumeFrom);
        })
        .catch((error) => {
          this.logger.error({ err: error }, 'event replay failed');
          last = this.bus.head;
          queue.push({ kind: 'resync', sequence: last, reason: 'Missed events could not be read; refetch and resubscribe.' });
        })
        .finally(() => {
          replaying = false;
          for (const event of buffered.splice(0)) deliver(event);
        });
    }
    return queue;
  }

  /** Delivers the retained events after `after`; returns the sequence live delivery continues from. */
  async #replay<Channel extends EventChannel>(
    channel: Channel,
    after: number,
    deliver: (event: Published) => void,
    queue: BoundedQueue<StreamItem<Channel>>,
  ): Promise<number> {
    const { oldest, head } = await this.repository.bounds(this.db);
    if (after > head || after + 1 < oldest || head - after > MAX_BACKLOG) {
      queue.push({
        kind: 'resync',
        sequence: head,
        reason:
          after > head
            ? `Sequence ${after} is ahead of the newest event (${head}); refetch and resubscribe.`
            : `Events after ${after} are no longer retained; refetch and resubscribe.`,
      });
      return head;
    }
    for (const event of await this.repository.readAfter(this.db, after, head, channel)) deliver(event);
    return head;
  }
}
