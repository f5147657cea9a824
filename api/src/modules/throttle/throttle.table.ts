import { integer, text, timestamp } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';

/** Attempt counters (rate-limiter-flexible's layout), shared by every OC on one PostgreSQL server. */
export const rateLimits = pgTable('rate_limits', {
  key: text().primaryKey(),
  points: integer().notNull().default(0),
  expire: timestamp({ withTimezone: true }),
});
