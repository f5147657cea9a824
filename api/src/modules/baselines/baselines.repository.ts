import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { isUuid } from '../../shared/validation.ts';
import { type BaselineRow, type BaselineVersionRow, baselines, baselineVersions } from './baselines.table.ts';

export type CurrentBaseline = BaselineRow & { current: BaselineVersionRow };

export class BaselinesRepository {
  async insert(tx: Executor, values: typeof baselines.$inferInsert): Promise<BaselineRow> {
    const [row] = await tx.insert(baselines).values(values).returning();
    return row;
  }

  async setCurrent(tx: Executor, id: string, version: number, at: Date): Promise<void> {
    await tx.update(baselines).set({ currentVersion: version, updatedAt: at }).where(eq(baselines.id, id));
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.delete(baselines).where(eq(baselines.id, id));
  }

  /** By id or name; `forUpdate` holds the row until the transaction ends, so versions are numbered one at a time. */
  async find(db: Executor, idOrName: string, { forUpdate = false } = {}): Promise<BaselineRow | undefined> {
    const query = db
      .select()
      .from(baselines)
      .where(isUuid(idOrName) ? eq(baselines.id, idOrName.toLowerCase()) : eq(baselines.name, idOrName));
    const [row] = forUpdate ? await query.for('update') : await query;
    return row;
  }

  async findByName(db: Executor, name: string): Promise<BaselineRow | undefined> {
    const [row] = await db.select().from(baselines).where(eq(baselines.name, name));
    return row;
  }

  /** Every baseline with its current version, by name. */
  async allCurrent(db: Executor): Promise<CurrentBaseline[]> {
    const rows = await db
      .select({ baseline: baselines, current: baselineVersions })
      .from(baselines)
      .innerJoin(baselineVersions, and(eq(baselineVersions.baselineId, baselines.id), eq(baselineVersions.version, baselines.currentVersion)))
      .orderBy(asc(baselines.name));
    return rows.map((row) => ({ ...row.baseline, current: row.current }));
  }

  async insertVersion(tx: Executor, values: BaselineVersionRow): Promise<BaselineVersionRow> {
    const [row] = await tx.insert(baselineVersions).values(values).returning();
    return row;
  }

  async version(db: Executor, baselineId: string, version: number): Promise<BaselineVersionRow | undefined> {
    const [row] = await db
      .select()
      .from(baselineVersions)
      .where(and(eq(baselineVersions.baselineId, baselineId), eq(baselineVersions.version, version)));
    return row;
  }

  /** A baseline's versions, newest first, before `beforeVersion` when given. */
  async versions(db: Executor, baselineId: string, limit: number, beforeVersion?: number): Promise<BaselineVersionRow[]> {
    return db
      .select()
      .from(baselineVersions)
      .where(and(eq(baselineVersions.baselineId, baselineId), beforeVersion ? sql`${baselineVersions.version} < ${beforeVersion}` : undefined))
      .orderBy(desc(baselineVersions.version))
      .limit(limit);
  }

  /** Names of the baselines whose current version lists the item. */
  async usingItem(db: Executor, itemId: string): Promise<string[]> {
    const rows = await db
      .select({ name: baselines.name })
      .from(baselines)
      .innerJoin(baselineVersions, and(eq(baselineVersions.baselineId, baselines.id), eq(baselineVersions.version, baselines.currentVersion)))
      .where(sql`${baselineVersions.itemIds} @> jsonb_build_array(${itemId}::text)`)
      .orderBy(asc(baselines.name));
    return rows.map((row) => row.name);
  }
}
