import { bigint, boolean, bytea, index, integer, jsonb, pgEnum, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';

export const contentKind = pgEnum('content_kind', ['PATCH', 'ARTIFACT', 'CONFIG']);

/** Stored bytes, once per SHA-256, whatever items name them. */
export const contentBlobs = pgTable('content_blobs', {
  sha256: text().primaryKey(),
  size: bigint({ mode: 'number' }).notNull(),
  storedAt: timestamp({ withTimezone: true }).notNull(),
});

/**
 * The bytes themselves when the OC runs on PostgreSQL, so that every OC on the database sees
 * them: in chunks under the blob's hash, or under an upload's key while it streams in.
 */
export const contentChunks = pgTable(
  'content_chunks',
  {
    key: text().notNull(),
    seq: integer().notNull(),
    data: bytea().notNull(),
    writtenAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.key, table.seq] })],
);

/** A patch, artifact or configuration file operators uploaded, by kind, name and version. */
export const contentItems = pgTable(
  'content_items',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: contentKind().notNull(),
    name: text().notNull(),
    version: text().notNull(),
    sha256: text()
      .notNull()
      .references(() => contentBlobs.sha256),
    size: bigint({ mode: 'number' }).notNull(),
    /** The product kinds (clusters' productKind) it applies to; empty: any. */
    productKinds: jsonb().$type<string[]>().notNull().default([]),
    requiresRestart: boolean().notNull(),
    description: text().notNull().default(''),
    uploadedBy: text().notNull(),
    uploadedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [unique().on(table.kind, table.name, table.version), index().on(table.sha256), index().on(table.name)],
);

export type ContentKind = (typeof contentKind.enumValues)[number];
export type ContentItemRow = typeof contentItems.$inferSelect;
