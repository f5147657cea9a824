import { bigint, boolean, index, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { contentKind } from '../content/content.table.ts';
import { nodes } from '../nodes/nodes.table.ts';

/**
 * What a node has, as its manager last reported it: each patch, artifact and managed config file
 * installed on its disk, and whether its running process has loaded it (with the same hash).
 */
export const nodeInventory = pgTable(
  'node_inventory',
  {
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    kind: contentKind().notNull(),
    name: text().notNull(),
    /** The installed file's hash; for an item loaded but no longer installed, the loaded one's. */
    sha256: text().notNull(),
    /** Null for an item the process has loaded that is no longer on disk. */
    size: bigint({ mode: 'number' }),
    modifiedAt: timestamp({ withTimezone: true }),
    installed: boolean().notNull(),
    /** True when the running process reports it loaded this item with this hash. */
    loaded: boolean().notNull(),
    firstSeenAt: timestamp({ withTimezone: true }).notNull(),
    changedAt: timestamp({ withTimezone: true }).notNull(),
    /**
     * When the OC first saw the installed bytes (this sha256) under this name; null when not
     * installed. Unlike changedAt, a restart that loads them does not move it; unlike firstSeenAt,
     * new bytes under the same name do.
     */
    installedSince: timestamp({ withTimezone: true }),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.kind, table.name] }), index().on(table.sha256), index().on(table.name)],
);

export type InventoryRow = typeof nodeInventory.$inferSelect;

/**
 * The tenants a node hosts (customers' applications on an application server, say), as its
 * manager last reported them. A report that does not mention tenants leaves these as they are.
 */
export const nodeTenants = pgTable(
  'node_tenants',
  {
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    /** The worker's own free text: a state, a version; null when it gives none. */
    status: text(),
    firstSeenAt: timestamp({ withTimezone: true }).notNull(),
    changedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.name] }), index().on(table.name)],
);

export type TenantRow = typeof nodeTenants.$inferSelect;
