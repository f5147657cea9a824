import { and, asc, desc, eq, gte } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { type ActionRow, type HoldRow, type PolicyRow, remediationActions, remediationHolds, remediationPolicies } from './remediation.table.ts';

export class RemediationRepository {
  async insertPolicy(tx: Executor, values: typeof remediationPolicies.$inferInsert): Promise<PolicyRow> {
    const [row] = await tx.insert(remediationPolicies).values(values).returning();
    return row;
  }

  async updatePolicy(tx: Executor, id: string, values: Partial<PolicyRow>): Promise<PolicyRow | undefined> {
    const [row] = await tx.update(remediationPolicies).set(values).where(eq(remediationPolicies.id, id)).returning();
    return row;
  }

  async deletePolicy(tx: Executor, id: string): Promise<void> {
    await tx.delete(remediationPolicies).where(eq(remediationPolicies.id, id));
  }

  async policy(db: Executor, id: string): Promise<PolicyRow | undefined> {
    const [row] = await db.select().from(remediationPolicies).where(eq(remediationPolicies.id, id));
    return row;
  }

  async policyByName(db: Executor, name: string): Promise<PolicyRow | undefined> {
    const [row] = await db.select().from(remediationPolicies).where(eq(remediationPolicies.name, name));
    return row;
  }

  async policies(db: Executor, { enabledOnly = false } = {}): Promise<PolicyRow[]> {
    return db
      .select()
      .from(remediationPolicies)
      .where(enabledOnly ? eq(remediationPolicies.enabled, true) : undefined)
      .orderBy(asc(remediationPolicies.name));
  }

  async recordAction(tx: Executor, values: typeof remediationActions.$inferInsert): Promise<ActionRow> {
    const [row] = await tx.insert(remediationActions).values(values).returning();
    return row;
  }

  /** A node's restarts by a policy since `since`, newest first. */
  async restartsSince(db: Executor, policyId: string, nodeId: string, since: Date): Promise<ActionRow[]> {
    return db
      .select()
      .from(remediationActions)
      .where(
        and(
          eq(remediationActions.policyId, policyId),
          eq(remediationActions.nodeId, nodeId),
          eq(remediationActions.outcome, 'RESTARTED'),
          gte(remediationActions.at, since),
        ),
      )
      .orderBy(desc(remediationActions.at));
  }

  async actions(db: Executor, policyId: string, limit: number): Promise<ActionRow[]> {
    return db.select().from(remediationActions).where(eq(remediationActions.policyId, policyId)).orderBy(desc(remediationActions.at)).limit(limit);
  }

  async hold(tx: Executor, values: HoldRow): Promise<void> {
    await tx.insert(remediationHolds).values(values).onConflictDoNothing();
  }

  async release(tx: Executor, policyId: string, nodeId?: string): Promise<number> {
    const released = await tx
      .delete(remediationHolds)
      .where(and(eq(remediationHolds.policyId, policyId), nodeId ? eq(remediationHolds.nodeId, nodeId) : undefined))
      .returning({ nodeId: remediationHolds.nodeId });
    return released.length;
  }

  async holds(db: Executor, policyId?: string): Promise<HoldRow[]> {
    return db
      .select()
      .from(remediationHolds)
      .where(policyId ? eq(remediationHolds.policyId, policyId) : undefined)
      .orderBy(asc(remediationHolds.since));
  }
}
