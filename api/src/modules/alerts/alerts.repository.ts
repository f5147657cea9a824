import { and, asc, count, desc, eq, gt, inArray, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import {
  type AlertHistoryRow,
  type AlertRow,
  type AlertRuleRow,
  type AlertState,
  alertGroups,
  alertHistory,
  alertRules,
  alertSilences,
  alerts,
  type SilenceRow,
} from './alerts.table.ts';

export interface AlertFilter {
  states?: readonly AlertState[] | null;
  ruleId?: string | null;
  clusterId?: string | null;
  /** true: only held-back alerts (inhibited or silenced); false: only those that notify. */
  suppressed?: boolean | null;
}

export class AlertsRepository {
  // --- rules ---

  async insertRule(tx: Executor, values: typeof alertRules.$inferInsert): Promise<AlertRuleRow> {
    const [row] = await tx.insert(alertRules).values(values).returning();
    return row;
  }

  async updateRule(tx: Executor, id: string, values: Partial<AlertRuleRow>): Promise<AlertRuleRow | undefined> {
    const [row] = await tx.update(alertRules).set(values).where(eq(alertRules.id, id)).returning();
    return row;
  }

  async deleteRule(tx: Executor, id: string): Promise<void> {
    await tx.delete(alertRules).where(eq(alertRules.id, id));
  }

  async rule(db: Executor, id: string): Promise<AlertRuleRow | undefined> {
    const [row] = await db.select().from(alertRules).where(eq(alertRules.id, id));
    return row;
  }

  async ruleByName(db: Executor, name: string): Promise<AlertRuleRow | undefined> {
    const [row] = await db.select().from(alertRules).where(eq(alertRules.name, name));
    return row;
  }

  async rules(db: Executor, { enabledOnly = false } = {}): Promise<AlertRuleRow[]> {
    return db
      .select()
      .from(alertRules)
      .where(enabledOnly ? eq(alertRules.enabled, true) : undefined)
      .orderBy(asc(alertRules.name));
  }

  /** Drops a deleted channel from every rule that named it. */
  async forgetChannel(tx: Executor, channelId: string): Promise<void> {
    await tx
      .update(alertRules)
      .set({
        channelIds: sql`coalesce((select jsonb_agg(value) from jsonb_array_elements(${alertRules.channelIds}) where value <> to_jsonb(${channelId}::text)), '[]'::jsonb)`,
      })
      .where(sql`${alertRules.channelIds} @> jsonb_build_array(${channelId}::text)`);
  }

  // --- alerts ---

  async open(db: Executor, ruleId: string): Promise<AlertRow[]> {
    return db
      .select()
      .from(alerts)
      .where(and(eq(alerts.ruleId, ruleId), ne(alerts.state, 'RESOLVED')));
  }

  async insertAlerts(tx: Executor, rows: (typeof alerts.$inferInsert)[]): Promise<AlertRow[]> {
    if (rows.length === 0) return [];
    return tx.insert(alerts).values(rows).returning();
  }

  async updateAlert(tx: Executor, id: string, values: Partial<AlertRow>): Promise<AlertRow | undefined> {
    const [row] = await tx.update(alerts).set(values).where(eq(alerts.id, id)).returning();
    return row;
  }

  /** Sets the remediation operation on a node's open alerts; returns their ids. */
  async linkRemediation(tx: Executor, nodeId: string, operationId: string): Promise<string[]> {
    const rows = await tx
      .update(alerts)
      .set({ remediationOperationId: operationId })
      .where(and(eq(alerts.subjectKind, 'NODE'), eq(alerts.subjectId, nodeId), ne(alerts.state, 'RESOLVED')))
      .returning({ id: alerts.id });
    return rows.map((row) => row.id);
  }

  async markNotified(tx: Executor, ids: readonly string[], notified: 'FIRING' | 'RESOLVED'): Promise<void> {
    if (ids.length > 0)
      await tx
        .update(alerts)
        .set({ notified })
        .where(inArray(alerts.id, [...ids]));
  }

  /**
   * A rule's alerts whose receivers have not been told their state: firing and neither inhibited
   * nor silenced, or resolved after a notice that they fired.
   */
  async unannounced(tx: Executor, ruleId: string): Promise<AlertRow[]> {
    return tx
      .select()
      .from(alerts)
      .where(
        and(
          eq(alerts.ruleId, ruleId),
          or(
            and(eq(alerts.state, 'FIRING'), ne(alerts.notified, 'FIRING'), isNull(alerts.inhibitedBy), isNull(alerts.silenceId)),
            and(eq(alerts.state, 'RESOLVED'), eq(alerts.notified, 'FIRING')),
          ),
        ),
      );
  }

  /** A rule's alerts firing (and told) in one group, for the notification to list. */
  async firingInGroup(tx: Executor, ruleId: string, clusterId: string | null): Promise<AlertRow[]> {
    return tx
      .select()
      .from(alerts)
      .where(
        and(
          eq(alerts.ruleId, ruleId),
          eq(alerts.state, 'FIRING'),
          isNull(alerts.inhibitedBy),
          isNull(alerts.silenceId),
          clusterId ? eq(alerts.clusterId, clusterId) : isNull(alerts.clusterId),
        ),
      )
      .orderBy(asc(alerts.subjectName));
  }

  async groupNotifiedAt(tx: Executor, ruleId: string, groupKey: string): Promise<Date | null> {
    const [row] = await tx
      .select({ at: alertGroups.lastNotifiedAt })
      .from(alertGroups)
      .where(and(eq(alertGroups.ruleId, ruleId), eq(alertGroups.groupKey, groupKey)));
    return row?.at ?? null;
  }

  async groupNotified(tx: Executor, ruleId: string, groupKey: string, at: Date): Promise<void> {
    await tx
      .insert(alertGroups)
      .values({ ruleId, groupKey, lastNotifiedAt: at, notifications: 1 })
      .onConflictDoUpdate({
        target: [alertGroups.ruleId, alertGroups.groupKey],
        set: { lastNotifiedAt: at, notifications: sql`${alertGroups.notifications} + 1` },
      });
  }

  async alert(db: Executor, id: string): Promise<AlertRow | undefined> {
    const [row] = await db.select().from(alerts).where(eq(alerts.id, id));
    return row;
  }

  #where(filter: AlertFilter) {
    return and(
      filter.states?.length ? inArray(alerts.state, [...filter.states]) : undefined,
      filter.ruleId ? eq(alerts.ruleId, filter.ruleId) : undefined,
      filter.clusterId ? eq(alerts.clusterId, filter.clusterId) : undefined,
      filter.suppressed === true ? or(sql`${alerts.inhibitedBy} is not null`, sql`${alerts.silenceId} is not null`) : undefined,
      filter.suppressed === false ? and(isNull(alerts.inhibitedBy), isNull(alerts.silenceId)) : undefined,
    );
  }

  /** Newest first by when they became active; `before` is the cursor. */
  async list(db: Executor, filter: AlertFilter, limit: number, before?: { at: Date; id: string }): Promise<AlertRow[]> {
    return db
      .select()
      .from(alerts)
      .where(
        and(this.#where(filter), before ? sql`(${alerts.activeAt}, ${alerts.id}) < (${before.at.toISOString()}::timestamptz, ${before.id}::uuid)` : undefined),
      )
      .orderBy(desc(alerts.activeAt), desc(alerts.id))
      .limit(limit);
  }

  async count(db: Executor, filter: AlertFilter): Promise<number> {
    const [row] = await db.select({ value: count() }).from(alerts).where(this.#where(filter));
    return row.value;
  }

  /** Open alerts by state and whether they are held back, for the navigation count. */
  async openCounts(db: Executor) {
    return db
      .select({
        state: alerts.state,
        inhibited: sql<boolean>`${alerts.inhibitedBy} is not null`,
        silenced: sql<boolean>`${alerts.silenceId} is not null`,
        count: count(),
      })
      .from(alerts)
      .where(ne(alerts.state, 'RESOLVED'))
      .groupBy(alerts.state, sql`${alerts.inhibitedBy} is not null`, sql`${alerts.silenceId} is not null`);
  }

  async pruneResolved(db: Executor, before: Date): Promise<void> {
    await db.delete(alerts).where(and(eq(alerts.state, 'RESOLVED'), lt(alerts.resolvedAt, before), ne(alerts.notified, 'FIRING')));
  }

  // --- history ---

  async addHistory(tx: Executor, rows: (typeof alertHistory.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await tx.insert(alertHistory).values(rows);
  }

  async history(db: Executor, alertId: string): Promise<AlertHistoryRow[]> {
    return db.select().from(alertHistory).where(eq(alertHistory.alertId, alertId)).orderBy(asc(alertHistory.id)).limit(1000);
  }

  // --- silences ---

  async insertSilence(tx: Executor, values: typeof alertSilences.$inferInsert): Promise<SilenceRow> {
    const [row] = await tx.insert(alertSilences).values(values).returning();
    return row;
  }

  async updateSilence(tx: Executor, id: string, values: Partial<SilenceRow>): Promise<SilenceRow | undefined> {
    const [row] = await tx.update(alertSilences).set(values).where(eq(alertSilences.id, id)).returning();
    return row;
  }

  async silence(db: Executor, id: string): Promise<SilenceRow | undefined> {
    const [row] = await db.select().from(alertSilences).where(eq(alertSilences.id, id));
    return row;
  }

  /** Silences in force at `at`. */
  async activeSilences(db: Executor, at: Date): Promise<SilenceRow[]> {
    return db
      .select()
      .from(alertSilences)
      .where(and(lte(alertSilences.startsAt, at), gt(alertSilences.endsAt, at)))
      .orderBy(asc(alertSilences.startsAt));
  }

  /** Silences not yet over (active and future), or also those ended since `since`. */
  async silences(db: Executor, since: Date): Promise<SilenceRow[]> {
    return db.select().from(alertSilences).where(gt(alertSilences.endsAt, since)).orderBy(desc(alertSilences.startsAt)).limit(500);
  }
}
