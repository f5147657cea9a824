import { and, asc, eq, gt, lte, max, min, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { insertBatches } from '../../shared/batching.ts';
import type { EventChannel, EventDraft, Published } from '../../shared/events.ts';
import { eventSequence, events } from './events.table.ts';

export class EventsRepository {
  /**
   * Hands out the next sequences and stores the events. Call it last in a transaction: the
   * counter's row lock is held until commit, which keeps sequences dense and in commit order.
   */
  async append(tx: Executor, drafts: EventDraft[], at: Date): Promise<Published[]> {
    if (drafts.length === 0) return [];
    const [counter] = await tx
      .insert(eventSequence)
      .values({ id: 1, last: drafts.length })
      .onConflictDoUpdate({ target: eventSequence.id, set: { last: sql`${eventSequence.last} + ${drafts.length}` } })
      .returning({ last: eventSequence.last });
    const first = counter.last - drafts.length + 1;
    const published = drafts.map((draft, index) => ({ ...draft, sequence: first + index, at }));
    const rows = published.map((event) => ({ ...event, payload: event.payload as Record<string, unknown> }));
    for (const batch of insertBatches(events, rows)) await tx.insert(events).values(batch);
    return published;
  }

  async readAfter(db: Executor, after: number, upTo: number, channel?: EventChannel): Promise<Published[]> {
    const rows = await db
      .select()
      .from(events)
      .where(and(gt(events.sequence, after), lte(events.sequence, upTo), channel ? eq(events.channel, channel) : undefined))
      .orderBy(asc(events.sequence))
      .limit(10_000);
    return rows.map((row) => ({ ...row, channel: row.channel as EventChannel }));
  }

  /** The oldest retained and the newest assigned sequence (0 when nothing was ever published). */
  async bounds(db: Executor): Promise<{ oldest: number; head: number }> {
    const [retained] = await db.select({ oldest: min(events.sequence), newest: max(events.sequence) }).from(events);
    const head = await this.head(db);
    return { oldest: retained?.oldest ?? head + 1, head };
  }

  /** The newest assigned sequence (0 when nothing was ever published). */
  async head(db: Executor): Promise<number> {
    const [counter] = await db.select({ last: eventSequence.last }).from(eventSequence);
    return counter?.last ?? 0;
  }

  async pruneKeeping(db: Executor, keep: number): Promise<void> {
    const [counter] = await db.select({ last: eventSequence.last }).from(eventSequence);
    if (counter) await db.delete(events).where(lte(events.sequence, counter.last - keep));
  }
}
