import { bigint, index, integer, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';

/**
 * Every published event, kept for a bounded window so a subscriber that reconnects with its
 * last sequence can be sent what it missed.
 */
export const events = pgTable(
  'events',
  {
    sequence: bigint({ mode: 'number' }).primaryKey(),
    channel: text().notNull(),
    type: text().notNull(),
    clusterId: uuid(),
    nodeId: uuid(),
    at: timestamp({ withTimezone: true }).notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
  },
  (table) => [index().on(table.channel, table.sequence)],
);

/**
 * A single-row counter. Taking its row lock last in a transaction hands out dense sequences in
 * commit order, so a subscriber never sees sequence n+1 before n.
 */
export const eventSequence = pgTable('event_sequence', {
  id: integer().primaryKey(),
  last: bigint({ mode: 'number' }).notNull(),
});

export type EventRow = typeof events.$inferSelect;
