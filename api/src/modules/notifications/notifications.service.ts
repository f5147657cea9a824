import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { actorName, type RequestMeta } from '../../shared/actor.ts';
import { ConflictError, NotFoundError } from '../../shared/domain-error.ts';
import type { Published } from '../../shared/events.ts';
import { checkPage, type Page, type PageArgs, toPage } from '../../shared/pagination.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId, validateName } from '../../shared/validation.ts';
import { DeliveryPass, type Sent } from './notifications.delivery.ts';
import type { NotificationsRepository } from './notifications.repository.ts';
import { backoffMs, type ChannelInput, channelValues, checkMaxAttempts } from './notifications.rules.ts';
import { SEND_TIMEOUT_MS } from './notifications.senders.ts';
import type { AttemptRow, ChannelRow, DeliveryState, NotificationRow } from './notifications.table.ts';
import type { NotificationMessage } from './notifications.types.ts';

export interface NotificationOptions {
  tickMs: number;
  defaultMaxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Delivered notifications are kept this long for the attempt log. */
  retentionMs: number;
}

/** Where the event export reads the event log (wired in services.ts). */
export interface EventSource {
  head(): number;
  readAfter(db: Executor, after: number, limit: number): Promise<Published[]>;
  /** The oldest sequence still kept: older events were pruned. */
  oldest(db: Executor): Promise<number>;
}

/** How long a claimed notification is held for its sender: longer than any attempt, and short, because it is how long a crash mid-send delays the retry. */
const CLAIM_LEASE_MS = 2 * SEND_TIMEOUT_MS;
const EXPORT_BATCH = 500;

/**
 * Channels and the outbox. Whatever must be told is written to the outbox in the transaction that
 * caused it (enqueue), then delivered at least once by the delivery pass: retried with exponential
 * back-off, dead-lettered after the channel's maxAttempts, every attempt recorded.
 */
export class NotificationsService {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  /** The running delivery pass, woken when new notifications commit so they need not wait for its slowest send. */
  #delivering: DeliveryPass | null = null;

  constructor(
    private readonly db: Database,
    private readonly repository: NotificationsRepository,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
    private readonly events: EventSource,
    private readonly options: NotificationOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass: export new events, then deliver what is due. Overlapping calls share a pass and run one more after it. */
  tick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      this.#delivering?.wake();
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.exportEvents();
          await this.deliverDue();
          await this.#pruneDelivered();
        } catch (error) {
          this.logger.error({ err: error }, 'notification pass failed');
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  // --- channels ---

  async createChannel(meta: RequestMeta, input: ChannelInput): Promise<ChannelRow> {
    const name = validateName(input.name, 'name', 'channel name');
    const { settings, secret } = channelValues(input, false);
    const maxAttempts = checkMaxAttempts(input.maxAttempts ?? this.options.defaultMaxAttempts);
    return this.transactor.run(meta, { action: 'channel.create', targetType: 'channel', args: { ...input, secret: undefined } }, async (work) => {
      if (await this.repository.channelByName(work.tx, name)) throw new ConflictError('NAME_TAKEN', `A channel named "${name}" already exists.`);
      const now = this.clock.now();
      const row = await this.repository.insertChannel(work.tx, {
        name,
        kind: input.kind,
        settings,
        secret: secret ?? null,
        maxAttempts,
        enabled: input.enabled ?? true,
        exportedThrough: input.kind === 'EVENT_EXPORT' ? this.events.head() : null,
        createdBy: actorName(meta.actor),
        createdAt: now,
        updatedAt: now,
      });
      work.target(row.id);
      return row;
    });
  }

  async updateChannel(meta: RequestMeta, id: string, input: ChannelInput): Promise<ChannelRow> {
    const channelId = validateId(id);
    const name = validateName(input.name, 'name', 'channel name');
    return this.transactor.run(
      meta,
      { action: 'channel.update', targetType: 'channel', targetId: channelId, args: { ...input, secret: undefined } },
      async (work) => {
        const existing = await this.#channel(work.tx, channelId);
        if (existing.kind !== input.kind)
          throw new ConflictError('CONFLICT', `The channel is ${existing.kind}; its kind cannot change. Create a new channel instead.`);
        const named = await this.repository.channelByName(work.tx, name);
        if (named && named.id !== channelId) throw new ConflictError('NAME_TAKEN', `A channel named "${name}" already exists.`);
        const { settings, secret } = channelValues(input, existing.secret !== null);
        return (await this.repository.updateChannel(work.tx, channelId, {
          name,
          settings: input.kind === 'SLACK' && !secret ? existing.settings : settings,
          ...(secret ? { secret } : {}),
          maxAttempts: checkMaxAttempts(input.maxAttempts ?? existing.maxAttempts),
          enabled: input.enabled ?? existing.enabled,
          updatedAt: this.clock.now(),
        })) as ChannelRow;
      },
    );
  }

  /** Deletes a channel with its outbox and attempt log; alert rules that named it notify the others. */
  async deleteChannel(meta: RequestMeta, id: string, onRemoved: (work: UnitOfWork, channelId: string) => Promise<void>): Promise<ChannelRow> {
    const channelId = validateId(id);
    return this.transactor.run(meta, { action: 'channel.delete', targetType: 'channel', targetId: channelId }, async (work) => {
      const existing = await this.#channel(work.tx, channelId);
      await onRemoved(work, channelId);
      await this.repository.deleteChannel(work.tx, channelId);
      return existing;
    });
  }

  /** Queues a test notification on a channel, through the same outbox and retries as any other. */
  async testChannel(meta: RequestMeta, id: string): Promise<NotificationRow> {
    const channelId = validateId(id);
    return this.transactor.run(meta, { action: 'channel.test', targetType: 'channel', targetId: channelId }, async (work) => {
      const channel = await this.#channel(work.tx, channelId);
      const [row] = await this.#enqueue(work, [channel], {
        type: 'test',
        title: `Test notification from Operations Center`,
        text: `${actorName(meta.actor)} sent this to check the channel "${channel.name}". Nothing is wrong.`,
        data: { channel: channel.name, requestedBy: actorName(meta.actor) },
      });
      return row;
    });
  }

  channel(id: string): Promise<ChannelRow | undefined> {
    return this.repository.channel(this.db, validateId(id));
  }

  channels(): Promise<ChannelRow[]> {
    return this.repository.channels(this.db);
  }

  /** Checks that channels exist, for a rule that names them; returns their ids. */
  async existingChannels(references: readonly string[]): Promise<string[]> {
    const rows = await this.repository.channels(this.db);
    return references.map((reference) => {
      const found = rows.find((row) => row.id === reference.toLowerCase() || row.name === reference);
      if (!found) throw new NotFoundError('channel', reference);
      return found.id;
    });
  }

  // --- the outbox ---

  /** Writes one notification per enabled channel to the outbox, within the caller's transaction; delivery starts after it commits. */
  async enqueue(work: UnitOfWork, channelIds: readonly string[], message: NotificationMessage, alertId: string | null = null): Promise<NotificationRow[]> {
    if (channelIds.length === 0) return [];
    const channels = (await this.repository.channels(work.tx, channelIds)).filter((channel) => channel.enabled && channel.kind !== 'EVENT_EXPORT');
    return this.#enqueue(work, channels, message, alertId);
  }

  async #enqueue(work: UnitOfWork, channels: ChannelRow[], message: NotificationMessage, alertId: string | null = null): Promise<NotificationRow[]> {
    const at = this.clock.now();
    const rows = await this.repository.enqueue(
      work.tx,
      channels.map((channel) => ({ channelId: channel.id, message, alertId, at })),
    );
    if (rows.length > 0) work.afterCommit.push(() => void this.tick());
    return rows;
  }

  async notifications(
    filter: { channelId?: string | null; state?: DeliveryState | null; alertId?: string | null },
    pageArgs: PageArgs,
  ): Promise<Page<NotificationRow>> {
    const request = checkPage(pageArgs, 2);
    const clean = {
      channelId: filter.channelId ? validateId(filter.channelId, 'channel') : null,
      state: filter.state ?? null,
      alertId: filter.alertId ? validateId(filter.alertId, 'alert') : null,
    };
    const before = request.after ? { at: new Date(String(request.after[0])), id: String(request.after[1]) } : undefined;
    const rows = await this.repository.notifications(this.db, clean, request.first + 1, before);
    return toPage(
      rows,
      request,
      (row) => [row.createdAt.toISOString(), row.id],
      () => this.repository.countNotifications(this.db, clean),
    );
  }

  notification(id: string): Promise<NotificationRow | undefined> {
    return this.repository.notification(this.db, validateId(id));
  }

  attempts(notificationIds: readonly string[]): Promise<AttemptRow[]> {
    return this.repository.attempts(this.db, notificationIds);
  }

  depth(): Promise<number> {
    return this.repository.depth(this.db);
  }

  /** Sends what is due, each at most once per pass (see DeliveryPass); returns how many were attempted. */
  async deliverDue(): Promise<number> {
    const pass = new DeliveryPass(
      {
        recordAndClaim: (sent, room, held) => this.#recordAndClaim(sent, room, held),
        channels: (ids) => this.repository.channels(this.db, ids),
      },
      () => this.#stopped,
    );
    this.#delivering = pass;
    try {
      const attempted = await pass.run();
      if (pass.cutShort) this.#again = true;
      return attempted;
    } finally {
      this.#delivering = null;
    }
  }

  /**
   * Records finished sends and claims `room` more. A crash before it leaves the finished ones
   * claimed, so they are sent again with the same ids, as after any crash mid-send.
   */
  async #recordAndClaim(sent: Sent[], room: number, held: string[]): Promise<NotificationRow[]> {
    const at = this.clock.now();
    const outcomes = sent.map(({ notification, channel, result }) => {
      const attempt = notification.attempts + 1;
      const state: DeliveryState = result.succeeded ? 'DELIVERED' : attempt >= channel.maxAttempts ? 'DEAD' : 'PENDING';
      const nextAttemptAt = new Date(at.getTime() + (state === 'PENDING' ? backoffMs(attempt, this.options.backoffBaseMs, this.options.backoffCapMs) : 0));
      return { notification, channel, attempt: { at, ...result }, next: { state, nextAttemptAt } };
    });
    if (outcomes.length === 0 && room === 0) return [];
    const claimed = await this.repository.recordAndClaim(this.db, { outcomes, held }, at, CLAIM_LEASE_MS, room);
    for (const { notification, channel } of outcomes.filter((outcome) => outcome.next.state === 'DEAD'))
      this.logger.warn({ notification: notification.id, channel: channel.name, attempts: notification.attempts + 1 }, 'notification dead-lettered');
    return claimed;
  }

  /** Delivered notifications past their retention go, once per pass. */
  async #pruneDelivered(): Promise<void> {
    await this.repository.pruneDelivered(this.db, new Date(this.clock.now().getTime() - this.options.retentionMs));
  }

  /** Copies new events to each event-export channel's outbox, a batch at a time, advancing its cursor in the same transaction. */
  async exportEvents(): Promise<void> {
    const exporters = (await this.repository.channels(this.db)).filter((channel) => channel.kind === 'EVENT_EXPORT' && channel.enabled);
    for (const exporter of exporters) {
      await this.transactor.run(null, null, async (work) => {
        const current = await this.repository.channel(work.tx, exporter.id);
        if (!current) return;
        const after = current.exportedThrough ?? 0;
        if (this.events.head() <= after) return;
        let events = await this.events.readAfter(work.tx, after, EXPORT_BATCH);
        // Sequences have no holes, so a first event past after + 1 (or none at all) may mean the
        // exporter fell behind the event retention: it is told, never left to guess.
        let gap: { after: number; firstAvailable: number; missing: number } | null = null;
        if (events.length === 0 || events[0].sequence > after + 1) {
          const oldest = await this.events.oldest(work.tx);
          if (oldest > after + 1) {
            gap = { after, firstAvailable: oldest, missing: oldest - after - 1 };
            if (events.length === 0) events = await this.events.readAfter(work.tx, oldest - 1, EXPORT_BATCH);
            this.logger.warn({ channel: current.name, ...gap }, 'the event export fell behind the event retention: events were pruned before it copied them');
          }
        }
        if (events.length === 0 && !gap) return;
        const first = gap ? gap.firstAvailable : after + 1;
        const through = events.length > 0 ? events[events.length - 1].sequence : first - 1;
        await this.#enqueue(work, [current], {
          type: 'events',
          title: gap ? `Events ${first} to ${through}; ${gap.missing} before them were lost` : `Events ${first} to ${through}`,
          text: gap
            ? `${events.length} events. Events ${after + 1} to ${first - 1} were pruned before this channel copied them (the OC keeps the latest OPSCENTER_EVENT_RETENTION events).`
            : `${events.length} events`,
          data: {
            after,
            through,
            ...(gap ? { gap } : {}),
            events: events.map((event) => ({
              sequence: event.sequence,
              at: event.at.toISOString(),
              channel: event.channel,
              type: event.type,
              clusterId: event.clusterId,
              nodeId: event.nodeId,
              payload: event.payload,
            })),
          },
        });
        await this.repository.updateChannel(work.tx, current.id, { exportedThrough: through });
        if (events.length === EXPORT_BATCH) this.#again = true;
      });
    }
  }

  async #channel(tx: Executor, id: string): Promise<ChannelRow> {
    const channel = await this.repository.channel(tx, id);
    if (!channel) throw new NotFoundError('channel', id);
    return channel;
  }
}
