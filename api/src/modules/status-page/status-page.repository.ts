import { asc, desc, eq, gte, isNull, max, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf } from '../../shared/batching.ts';
import {
  type StatusComponentRow,
  type StatusIncidentRow,
  type StatusIncidentUpdateRow,
  type StatusPageSettingsRow,
  statusComponents,
  statusIncidents,
  statusIncidentUpdates,
  statusPageSettings,
} from './status-page.table.ts';

export class StatusPageRepository {
  async settings(db: Executor): Promise<StatusPageSettingsRow | undefined> {
    const [row] = await db.select().from(statusPageSettings);
    return row;
  }

  async saveSettings(tx: Executor, values: Omit<StatusPageSettingsRow, 'id'>): Promise<StatusPageSettingsRow> {
    const [row] = await tx
      .insert(statusPageSettings)
      .values({ id: 1, ...values })
      .onConflictDoUpdate({ target: statusPageSettings.id, set: values })
      .returning();
    return row;
  }

  async components(db: Executor): Promise<StatusComponentRow[]> {
    return db.select().from(statusComponents).orderBy(asc(statusComponents.position), asc(statusComponents.name));
  }

  /** `forUpdate` holds the row until the transaction ends, so that two edits of one component do not interleave. */
  async component(db: Executor, id: string, { forUpdate = false } = {}): Promise<StatusComponentRow | undefined> {
    const query = db.select().from(statusComponents).where(eq(statusComponents.id, id));
    const [row] = forUpdate ? await query.for('update') : await query;
    return row;
  }

  async componentNamed(db: Executor, name: string): Promise<StatusComponentRow | undefined> {
    const [row] = await db.select().from(statusComponents).where(eq(statusComponents.name, name));
    return row;
  }

  async lastPosition(db: Executor): Promise<number> {
    const [row] = await db.select({ value: max(statusComponents.position) }).from(statusComponents);
    return row.value ?? 0;
  }

  async insertComponent(tx: Executor, values: typeof statusComponents.$inferInsert): Promise<StatusComponentRow> {
    const [row] = await tx.insert(statusComponents).values(values).returning();
    return row;
  }

  async updateComponent(tx: Executor, id: string, values: Partial<Omit<StatusComponentRow, 'id' | 'createdAt'>>): Promise<StatusComponentRow> {
    const [row] = await tx.update(statusComponents).set(values).where(eq(statusComponents.id, id)).returning();
    return row;
  }

  async deleteComponent(tx: Executor, id: string): Promise<void> {
    await tx.delete(statusComponents).where(eq(statusComponents.id, id));
  }

  async incident(db: Executor, id: string, { forUpdate = false } = {}): Promise<StatusIncidentRow | undefined> {
    const query = db.select().from(statusIncidents).where(eq(statusIncidents.id, id));
    const [row] = forUpdate ? await query.for('update') : await query;
    return row;
  }

  /** Open incidents and those resolved since `resolvedSince`, newest first. */
  async incidents(db: Executor, resolvedSince: Date, limit: number): Promise<StatusIncidentRow[]> {
    return db
      .select()
      .from(statusIncidents)
      .where(or(isNull(statusIncidents.resolvedAt), gte(statusIncidents.resolvedAt, resolvedSince)))
      .orderBy(desc(statusIncidents.createdAt), desc(statusIncidents.id))
      .limit(limit);
  }

  async insertIncident(tx: Executor, values: typeof statusIncidents.$inferInsert): Promise<StatusIncidentRow> {
    const [row] = await tx.insert(statusIncidents).values(values).returning();
    return row;
  }

  async updateIncident(tx: Executor, id: string, values: Pick<StatusIncidentRow, 'state' | 'resolvedAt'>): Promise<StatusIncidentRow> {
    const [row] = await tx.update(statusIncidents).set(values).where(eq(statusIncidents.id, id)).returning();
    return row;
  }

  async insertUpdate(tx: Executor, values: typeof statusIncidentUpdates.$inferInsert): Promise<StatusIncidentUpdateRow> {
    const [row] = await tx.insert(statusIncidentUpdates).values(values).returning();
    return row;
  }

  /** The updates of these incidents, newest first. */
  async updatesOf(db: Executor, incidentIds: string[]): Promise<StatusIncidentUpdateRow[]> {
    if (incidentIds.length === 0) return [];
    return db
      .select()
      .from(statusIncidentUpdates)
      .where(anyOf(statusIncidentUpdates.incidentId, incidentIds))
      .orderBy(desc(statusIncidentUpdates.at), desc(statusIncidentUpdates.id));
  }
}
