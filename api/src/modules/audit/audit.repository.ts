import { and, count, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import type { AuditEntry, AuditWriter } from '../../shared/audit.ts';
import { type AuditResult, type AuditRow, auditLog } from './audit.table.ts';

export type { AuditEntry };

export interface AuditFilter {
  action?: string | null;
  actorName?: string | null;
  targetId?: string | null;
  result?: AuditResult | null;
  since?: Date | null;
  until?: Date | null;
}

export class AuditRepository implements AuditWriter {
  async insert(executor: Executor, entry: AuditEntry): Promise<void> {
    await executor.insert(auditLog).values(entry);
  }

  /** Newest first; `beforeId` is the keyset cursor. */
  async list(db: Executor, filter: AuditFilter, limit: number, beforeId?: number): Promise<AuditRow[]> {
    return db
      .select()
      .from(auditLog)
      .where(and(this.#matching(filter), beforeId !== undefined ? lt(auditLog.id, beforeId) : undefined))
      .orderBy(desc(auditLog.id))
      .limit(limit);
  }

  async count(db: Executor, filter: AuditFilter): Promise<number> {
    const [row] = await db.select({ value: count() }).from(auditLog).where(this.#matching(filter));
    return row.value;
  }

  #matching(filter: AuditFilter): SQL | undefined {
    return and(
      filter.action ? eq(auditLog.action, filter.action) : undefined,
      filter.actorName ? eq(auditLog.actorName, filter.actorName) : undefined,
      filter.targetId ? eq(auditLog.targetId, filter.targetId) : undefined,
      filter.result ? eq(auditLog.result, filter.result) : undefined,
      filter.since ? gte(auditLog.at, filter.since) : undefined,
      filter.until ? lte(auditLog.at, filter.until) : undefined,
    );
  }
}
