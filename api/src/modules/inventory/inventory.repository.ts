import { and, asc, count, countDistinct, eq, getColumns, Param, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import type { ContentKind } from '../content/content.types.ts';
import type { ItemKey, ItemState } from './inventory.rules.ts';
import { type InventoryRow, nodeInventory, nodeTenants, type TenantRow } from './inventory.table.ts';
import type { TenantState } from './inventory.tenants.ts';
import { inventoryDirectory, tenantDirectory } from './inventory.view.ts';

/** Which items to look for: by hash, by name, by kind; all given conditions hold. */
export interface ContentQuery {
  sha256?: string | null;
  name?: string | null;
  kind?: ContentKind | null;
}

export type NodeWithContentRow = InventoryRow & { clusterName: string; nodeName: string };

export type NodeWithTenantRow = TenantRow & { clusterName: string; nodeName: string };

export class InventoryRepository {
  async ofNodes(db: Executor, nodeIds: readonly string[]): Promise<InventoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .select()
      .from(nodeInventory)
      .where(anyOf(nodeInventory.nodeId, nodeIds))
      .orderBy(asc(nodeInventory.nodeId), sql`${nodeInventory.kind}::text`, asc(nodeInventory.name));
  }

  /**
   * Writes new and changed items; an item seen before keeps its firstSeenAt, and its
   * installedSince while the same bytes stay installed.
   */
  async upsert(tx: Executor, items: (ItemState & { nodeId: string })[], at: Date): Promise<void> {
    const rows = items.map((item) => ({ ...item, firstSeenAt: at, changedAt: at, installedSince: item.installed ? at : null }));
    for (const batch of insertBatches(nodeInventory, rows)) {
      await tx
        .insert(nodeInventory)
        .values(batch)
        .onConflictDoUpdate({
          target: [nodeInventory.nodeId, nodeInventory.kind, nodeInventory.name],
          set: {
            sha256: sql`excluded.sha256`,
            size: sql`excluded.size`,
            modifiedAt: sql`excluded.modified_at`,
            installed: sql`excluded.installed`,
            loaded: sql`excluded.loaded`,
            changedAt: sql`excluded.changed_at`,
            installedSince: sql`case when ${nodeInventory.installed} and excluded.installed and ${nodeInventory.sha256} = excluded.sha256 then ${nodeInventory.installedSince} else excluded.installed_since end`,
          },
        });
    }
  }

  async remove(tx: Executor, items: (ItemKey & { nodeId: string })[]): Promise<void> {
    if (items.length === 0) return;
    const column = (values: string[]) => new Param(values);
    await tx
      .delete(nodeInventory)
      .where(
        sql`(${nodeInventory.nodeId}::text, ${nodeInventory.kind}::text, ${nodeInventory.name}) in (select * from unnest(${column(items.map((item) => item.nodeId))}::text[], ${column(items.map((item) => item.kind))}::text[], ${column(items.map((item) => item.name))}::text[]))`,
      );
  }

  async tenantsOfNodes(db: Executor, nodeIds: readonly string[]): Promise<TenantRow[]> {
    if (nodeIds.length === 0) return [];
    return db.select().from(nodeTenants).where(anyOf(nodeTenants.nodeId, nodeIds)).orderBy(asc(nodeTenants.nodeId), asc(nodeTenants.name));
  }

  /** Writes new tenants and changed statuses; a tenant seen before keeps its firstSeenAt. */
  async upsertTenants(tx: Executor, tenants: (TenantState & { nodeId: string })[], at: Date): Promise<void> {
    const rows = tenants.map((tenant) => ({ ...tenant, firstSeenAt: at, changedAt: at }));
    for (const batch of insertBatches(nodeTenants, rows)) {
      await tx
        .insert(nodeTenants)
        .values(batch)
        .onConflictDoUpdate({
          target: [nodeTenants.nodeId, nodeTenants.name],
          set: { status: sql`excluded.status`, changedAt: sql`excluded.changed_at` },
        });
    }
  }

  async removeTenants(tx: Executor, tenants: { nodeId: string; name: string }[]): Promise<void> {
    if (tenants.length === 0) return;
    const column = (values: string[]) => new Param(values);
    await tx
      .delete(nodeTenants)
      .where(
        sql`(${nodeTenants.nodeId}::text, ${nodeTenants.name}) in (select * from unnest(${column(tenants.map((tenant) => tenant.nodeId))}::text[], ${column(tenants.map((tenant) => tenant.name))}::text[]))`,
      );
  }

  /** Member nodes hosting a tenant of this name, by cluster and node name after a keyset cursor. */
  async withTenant(db: Executor, name: string, limit: number, after: unknown[] | null): Promise<NodeWithTenantRow[]> {
    const { nodeLeftAt, ...row } = getColumns(tenantDirectory);
    const view = tenantDirectory;
    return db
      .select(row)
      .from(view)
      .where(and(hostingTenant(name), after ? sql`(${view.clusterName}, ${view.nodeName}) > (${after[0]}, ${after[1]})` : undefined))
      .orderBy(asc(view.clusterName), asc(view.nodeName))
      .limit(limit);
  }

  async countWithTenant(db: Executor, name: string): Promise<number> {
    const [row] = await db.select({ value: count() }).from(tenantDirectory).where(hostingTenant(name));
    return row.value;
  }

  /** How many member nodes have each hash installed. */
  async installedCounts(db: Executor, sha256s: readonly string[]): Promise<Map<string, number>> {
    if (sha256s.length === 0) return new Map();
    const rows = await db
      .select({ sha256: inventoryDirectory.sha256, nodes: countDistinct(inventoryDirectory.nodeId) })
      .from(inventoryDirectory)
      .where(and(installedOnMembers(), anyOf(inventoryDirectory.sha256, sha256s)))
      .groupBy(inventoryDirectory.sha256);
    return new Map(rows.map((row) => [row.sha256, row.nodes]));
  }

  /** Installed items matching the query on member nodes, by cluster, node, kind and name after a keyset cursor. */
  async withContent(db: Executor, query: ContentQuery, limit: number, after: unknown[] | null): Promise<NodeWithContentRow[]> {
    const { clusterId, nodeLeftAt, ...item } = getColumns(inventoryDirectory);
    const view = inventoryDirectory;
    return db
      .select(item)
      .from(view)
      .where(
        and(
          matching(query),
          after
            ? sql`(${view.clusterName}, ${view.nodeName}, ${view.kind}::text, ${view.name}) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`
            : undefined,
        ),
      )
      .orderBy(asc(view.clusterName), asc(view.nodeName), sql`${view.kind}::text`, asc(view.name))
      .limit(limit);
  }

  async countWithContent(db: Executor, query: ContentQuery): Promise<number> {
    const [row] = await db.select({ value: count() }).from(inventoryDirectory).where(matching(query));
    return row.value;
  }
}

function hostingTenant(name: string): SQL {
  return sql`${tenantDirectory.name} = ${name} and ${tenantDirectory.nodeLeftAt} is null`;
}

function installedOnMembers(): SQL {
  return sql`${inventoryDirectory.installed} and ${inventoryDirectory.nodeLeftAt} is null`;
}

function matching(query: ContentQuery): SQL | undefined {
  return and(
    installedOnMembers(),
    query.sha256 ? eq(inventoryDirectory.sha256, query.sha256) : undefined,
    query.name ? eq(inventoryDirectory.name, query.name) : undefined,
    query.kind ? eq(inventoryDirectory.kind, query.kind) : undefined,
  );
}
