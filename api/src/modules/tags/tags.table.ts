import { index, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { pgTable } from '../../db/table.ts';
import { clusters } from '../clusters/clusters.table.ts';
import { nodes } from '../nodes/nodes.table.ts';

export const nodeTags = pgTable(
  'node_tags',
  {
    nodeId: uuid()
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    tag: text().notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.tag] }), index().on(table.tag)],
);

export const clusterTags = pgTable(
  'cluster_tags',
  {
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    tag: text().notNull(),
  },
  (table) => [primaryKey({ columns: [table.clusterId, table.tag] }), index().on(table.tag)],
);
