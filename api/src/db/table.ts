import { pgTableCreator } from 'drizzle-orm/pg-core';

/** Every table is declared through this, so TypeScript camelCase columns are snake_case in SQL. */
export const pgTable = pgTableCreator((name) => name, 'snake_case');
