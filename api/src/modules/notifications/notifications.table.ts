import { bigint, boolean, index, integer, jsonb, pgEnum, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import type { NotificationMessage } from './notifications.types.ts';

export const channelKind = pgEnum('notification_channel_kind', ['WEBHOOK', 'SLACK', 'EMAIL', 'EVENT_EXPORT']);
export const deliveryState = pgEnum('notification_delivery_state', ['PENDING', 'DELIVERED', 'DEAD']);

/** What a channel needs that may be shown: the secret part lives apart, in `secret`, and is never read back out. */
export interface ChannelSettings {
  /** WEBHOOK and EVENT_EXPORT: where to POST. SLACK keeps its URL (which is its credential) in `secret`. */
  url?: string;
  /** SLACK: the host of the secret URL, to recognise it by. */
  host?: string;
  /** EMAIL: the SMTP server and envelope. */
  smtpHost?: string;
  smtpPort?: number;
  smtpSecure?: boolean;
  smtpUser?: string | null;
  from?: string;
  to?: string[];
}

export const notificationChannels = pgTable('notification_channels', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique(),
  kind: channelKind().notNull(),
  settings: jsonb().$type<ChannelSettings>().notNull(),
  /** The signing secret (WEBHOOK, EVENT_EXPORT), the webhook URL (SLACK) or the SMTP password (EMAIL): write-only. */
  secret: text(),
  maxAttempts: integer().notNull(),
  enabled: boolean().notNull().default(true),
  /** EVENT_EXPORT: every event up to this sequence has been written to the outbox. */
  exportedThrough: bigint({ mode: 'number' }),
  createdBy: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});

/**
 * The outbox: a notification is written here in the transaction that caused it, and delivered at
 * least once from here. Its id is the stable id receivers drop duplicates by.
 */
export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    id: uuid().primaryKey().defaultRandom(),
    channelId: uuid()
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    message: jsonb().$type<NotificationMessage>().notNull(),
    state: deliveryState().notNull().default('PENDING'),
    attempts: integer().notNull().default(0),
    /** When the next attempt is due; a claimed notification is pushed ahead by the claim, so a crash mid-send retries it. */
    nextAttemptAt: timestamp({ withTimezone: true }).notNull(),
    lastError: text(),
    /** The alert instance it is about, if any. */
    alertId: uuid(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    deliveredAt: timestamp({ withTimezone: true }),
  },
  (table) => [index().on(table.state, table.nextAttemptAt), index().on(table.channelId, table.createdAt), index().on(table.alertId)],
);

export const notificationAttempts = pgTable(
  'notification_attempts',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    notificationId: uuid()
      .notNull()
      .references(() => notificationOutbox.id, { onDelete: 'cascade' }),
    attempt: integer().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
    succeeded: boolean().notNull(),
    /** The receiver's HTTP status or SMTP reply, or why there was none. */
    outcome: text().notNull(),
  },
  (table) => [index().on(table.notificationId, table.attempt)],
);

export type ChannelKind = (typeof channelKind.enumValues)[number];
export type DeliveryState = (typeof deliveryState.enumValues)[number];
export type ChannelRow = typeof notificationChannels.$inferSelect;
export type NotificationRow = typeof notificationOutbox.$inferSelect;
export type AttemptRow = typeof notificationAttempts.$inferSelect;
