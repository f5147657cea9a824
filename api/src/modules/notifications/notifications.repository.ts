import { and, asc, count, desc, eq, inArray, lt, lte, Param, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import {
  type AttemptRow,
  type ChannelRow,
  type DeliveryState,
  type NotificationRow,
  notificationAttempts,
  notificationChannels,
  notificationOutbox,
} from './notifications.table.ts';
import type { NotificationMessage } from './notifications.types.ts';

/** How one claimed notification's attempt went, and where it goes next. */
export interface AttemptOutcome {
  notification: NotificationRow;
  attempt: { at: Date; succeeded: boolean; outcome: string };
  next: { state: DeliveryState; nextAttemptAt: Date };
}

export class NotificationsRepository {
  async insertChannel(tx: Executor, values: typeof notificationChannels.$inferInsert): Promise<ChannelRow> {
    const [row] = await tx.insert(notificationChannels).values(values).returning();
    return row;
  }

  async updateChannel(tx: Executor, id: string, values: Partial<ChannelRow>): Promise<ChannelRow | undefined> {
    const [row] = await tx.update(notificationChannels).set(values).where(eq(notificationChannels.id, id)).returning();
    return row;
  }

  async deleteChannel(tx: Executor, id: string): Promise<void> {
    await tx.delete(notificationChannels).where(eq(notificationChannels.id, id));
  }

  async channel(db: Executor, id: string): Promise<ChannelRow | undefined> {
    const [row] = await db.select().from(notificationChannels).where(eq(notificationChannels.id, id));
    return row;
  }

  async channelByName(db: Executor, name: string): Promise<ChannelRow | undefined> {
    const [row] = await db.select().from(notificationChannels).where(eq(notificationChannels.name, name));
    return row;
  }

  async channels(db: Executor, ids?: readonly string[]): Promise<ChannelRow[]> {
    const query = db.select().from(notificationChannels);
    return (ids ? query.where(inArray(notificationChannels.id, [...ids])) : query).orderBy(asc(notificationChannels.name));
  }

  async enqueue(tx: Executor, rows: { channelId: string; message: NotificationMessage; alertId?: string | null; at: Date }[]): Promise<NotificationRow[]> {
    if (rows.length === 0) return [];
    return tx
      .insert(notificationOutbox)
      .values(rows.map(({ channelId, message, alertId, at }) => ({ channelId, message, alertId: alertId ?? null, createdAt: at, nextAttemptAt: at })))
      .returning();
  }

  /**
   * Records finished attempts and claims up to `limit` due notifications, in one statement: one
   * round trip and one commit each time the sender refills its window. A claim pushes the next
   * attempt `leaseMs` ahead, so another pass (or replica) skips it and a crash mid-send leaves it
   * due again; the notifications being recorded are never claimed by the same statement. The
   * `held` ones, claimed by the caller and not yet sent or recorded, are never claimed again (all
   * CTEs read one snapshot, so a renewal alone would not hide them), and get a new lease once half
   * of theirs has passed: a fast pass writes nothing for them.
   */
  async recordAndClaim(
    db: Executor,
    { outcomes, held }: { outcomes: readonly AttemptOutcome[]; held: readonly string[] },
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<NotificationRow[]> {
    const lease = new Date(now.getTime() + leaseMs);
    const column = <T>(value: (outcome: AttemptOutcome) => T) => new Param(outcomes.map(value));
    const ids = column(({ notification }) => notification.id);
    // Arrays go through text[]: PGlite cannot encode an array of a type it does not know, such as an enum.
    const finished = db
      .$with('finished', {
        id: sql<string>`id`,
      })
      .as(sql`select * from unnest(
        ${ids}::text[]::uuid[],
        ${column(({ notification }) => notification.attempts + 1)}::int[],
        ${column(({ next }) => next.state)}::text[],
        ${column(({ next }) => next.nextAttemptAt.toISOString())}::text[]::timestamptz[],
        ${column(({ attempt }) => attempt.at.toISOString())}::text[]::timestamptz[],
        ${column(({ attempt }) => String(attempt.succeeded))}::text[]::boolean[],
        ${column(({ attempt }) => attempt.outcome)}::text[]
      ) as finished(id, attempts, state, next_attempt_at, at, succeeded, outcome)`);
    const logged = db.$with('logged', { id: sql<number>`id` }).as(sql`
      insert into ${notificationAttempts} (notification_id, attempt, at, succeeded, outcome)
      select id, attempts, at, succeeded, outcome from finished
      returning id`);
    const recorded = db.$with('recorded', { id: sql<string>`id` }).as(sql`
      update ${notificationOutbox} set
        attempts = finished.attempts, state = finished.state::notification_delivery_state, next_attempt_at = finished.next_attempt_at,
        last_error = case when finished.succeeded then null else finished.outcome end,
        delivered_at = case when finished.succeeded then finished.at end
      from finished
      where ${notificationOutbox.id} = finished.id
      returning ${notificationOutbox.id}`);
    const heldIds = sql`${new Param([...held])}::text[]::uuid[]`;
    const renewed = db.$with('renewed', { id: sql<string>`id` }).as(sql`
      update ${notificationOutbox} set next_attempt_at = ${lease.toISOString()}::timestamptz
      where ${notificationOutbox.id} = any(${heldIds}) and ${notificationOutbox.state} = 'PENDING'
        and ${notificationOutbox.nextAttemptAt} < ${new Date(now.getTime() + leaseMs / 2).toISOString()}::timestamptz
      returning ${notificationOutbox.id}`);
    const due = db
      .select({ id: notificationOutbox.id })
      .from(notificationOutbox)
      .where(
        and(
          eq(notificationOutbox.state, 'PENDING'),
          lte(notificationOutbox.nextAttemptAt, now),
          sql`${notificationOutbox.id} not in (select id from finished)`,
          sql`${notificationOutbox.id} <> all(${heldIds})`,
        ),
      )
      .orderBy(asc(notificationOutbox.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return db
      .with(finished, logged, recorded, renewed)
      .update(notificationOutbox)
      .set({ nextAttemptAt: lease })
      .where(inArray(notificationOutbox.id, due))
      .returning();
  }

  async notification(db: Executor, id: string): Promise<NotificationRow | undefined> {
    const [row] = await db.select().from(notificationOutbox).where(eq(notificationOutbox.id, id));
    return row;
  }

  /** Newest first, optionally one channel's or in one state; `before` is the cursor (creation time and id). */
  async notifications(
    db: Executor,
    filter: { channelId?: string | null; state?: DeliveryState | null; alertId?: string | null },
    limit: number,
    before?: { at: Date; id: string },
  ): Promise<NotificationRow[]> {
    return db
      .select()
      .from(notificationOutbox)
      .where(
        and(
          filter.channelId ? eq(notificationOutbox.channelId, filter.channelId) : undefined,
          filter.state ? eq(notificationOutbox.state, filter.state) : undefined,
          filter.alertId ? eq(notificationOutbox.alertId, filter.alertId) : undefined,
          before ? sql`(${notificationOutbox.createdAt}, ${notificationOutbox.id}) < (${before.at.toISOString()}::timestamptz, ${before.id}::uuid)` : undefined,
        ),
      )
      .orderBy(desc(notificationOutbox.createdAt), desc(notificationOutbox.id))
      .limit(limit);
  }

  async countNotifications(db: Executor, filter: { channelId?: string | null; state?: DeliveryState | null; alertId?: string | null }): Promise<number> {
    const [row] = await db
      .select({ count: count() })
      .from(notificationOutbox)
      .where(
        and(
          filter.channelId ? eq(notificationOutbox.channelId, filter.channelId) : undefined,
          filter.state ? eq(notificationOutbox.state, filter.state) : undefined,
          filter.alertId ? eq(notificationOutbox.alertId, filter.alertId) : undefined,
        ),
      );
    return row.count;
  }

  async attempts(db: Executor, notificationIds: readonly string[]): Promise<AttemptRow[]> {
    if (notificationIds.length === 0) return [];
    return db
      .select()
      .from(notificationAttempts)
      .where(inArray(notificationAttempts.notificationId, [...notificationIds]))
      .orderBy(asc(notificationAttempts.notificationId), asc(notificationAttempts.attempt));
  }

  /** Notifications not yet delivered or dead-lettered: the outbox depth. */
  async depth(db: Executor): Promise<number> {
    const [row] = await db.select({ count: count() }).from(notificationOutbox).where(eq(notificationOutbox.state, 'PENDING'));
    return row.count;
  }

  /** Delivered notifications older than `before` go; dead letters stay until someone looks. */
  async pruneDelivered(db: Executor, before: Date): Promise<void> {
    await db.delete(notificationOutbox).where(and(eq(notificationOutbox.state, 'DELIVERED'), lt(notificationOutbox.createdAt, before)));
  }
}
