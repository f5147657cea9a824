import { and, asc, count, eq, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf } from '../../shared/batching.ts';
import type { ContentKind } from '../content/content.types.ts';
import { inventoryDirectory } from './inventory.view.ts';

/** Which installed files to list: on these nodes (null: every member), of this kind (null: any). */
export interface InstalledFilter {
  nodeIds: readonly string[] | null;
  kind: ContentKind | null;
}

/** The key the applied-content report is ordered and paged by. */
export type InstalledKey = [clusterName: string, nodeName: string, kind: string, name: string];

export interface InstalledFileRow {
  nodeId: string;
  clusterName: string;
  nodeName: string;
  kind: ContentKind;
  name: string;
  sha256: string;
  installedSince: Date;
  loaded: boolean;
}

/** The files installed on member nodes, read from the inventory directory (see inventory.view.ts). */
export class AppliedContentRepository {
  /** By cluster, node, kind and name, after a keyset cursor. */
  async installed(db: Executor, filter: InstalledFilter, limit: number, after: readonly unknown[] | null): Promise<InstalledFileRow[]> {
    const view = inventoryDirectory;
    return db
      .select({
        nodeId: view.nodeId,
        clusterName: view.clusterName,
        nodeName: view.nodeName,
        kind: view.kind,
        name: view.name,
        sha256: view.sha256,
        // Null only for an item that is not installed, and those are not listed.
        installedSince: sql<Date>`${view.installedSince}`.mapWith(view.installedSince),
        loaded: view.loaded,
      })
      .from(view)
      .where(
        and(
          installedMatching(filter),
          after
            ? sql`(${view.clusterName}, ${view.nodeName}, ${view.kind}::text, ${view.name}) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`
            : undefined,
        ),
      )
      .orderBy(asc(view.clusterName), asc(view.nodeName), sql`${view.kind}::text`, asc(view.name))
      .limit(limit);
  }

  async countInstalled(db: Executor, filter: InstalledFilter): Promise<number> {
    const [row] = await db.select({ value: count() }).from(inventoryDirectory).where(installedMatching(filter));
    return row.value;
  }
}

function installedMatching(filter: InstalledFilter): SQL | undefined {
  const view = inventoryDirectory;
  return and(
    sql`${view.installed} and ${view.nodeLeftAt} is null`,
    filter.nodeIds ? anyOf(view.nodeId, filter.nodeIds) : undefined,
    filter.kind ? eq(view.kind, filter.kind) : undefined,
  );
}
