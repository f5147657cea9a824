import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { type AgentCredentialRow, agentCredentials, type EnrollmentTokenRow, enrollmentTokens } from './agents.table.ts';

export class AgentsRepository {
  async insertEnrollmentToken(tx: Executor, values: { clusterId: string; tokenHash: string; createdBy: string | null; expiresAt: Date }) {
    const [row] = await tx.insert(enrollmentTokens).values(values).returning();
    return row;
  }

  async findEnrollmentToken(db: Executor, tokenHash: string): Promise<EnrollmentTokenRow | undefined> {
    const [row] = await db.select().from(enrollmentTokens).where(eq(enrollmentTokens.tokenHash, tokenHash));
    return row;
  }

  /** Reads the token and locks it, so two registrations cannot both use it. */
  async lockEnrollmentToken(tx: Executor, id: string): Promise<EnrollmentTokenRow | undefined> {
    const [row] = await tx.select().from(enrollmentTokens).where(eq(enrollmentTokens.id, id)).for('update');
    return row;
  }

  async markEnrollmentTokenUsed(tx: Executor, id: string, at: Date): Promise<void> {
    await tx.update(enrollmentTokens).set({ usedAt: at }).where(eq(enrollmentTokens.id, id));
  }

  async insertCredential(tx: Executor, values: { clusterId: string; nodeId: string; tokenHash: string; expiresAt: Date }): Promise<AgentCredentialRow> {
    const [row] = await tx.insert(agentCredentials).values(values).returning();
    return row;
  }

  async revokeCredentialsOfCluster(tx: Executor, clusterId: string, at: Date): Promise<void> {
    await tx
      .update(agentCredentials)
      .set({ revokedAt: at })
      .where(and(eq(agentCredentials.clusterId, clusterId), isNull(agentCredentials.revokedAt)));
  }

  /** Shortens a credential's life (it was renewed), never lengthens it. */
  async expireCredential(tx: Executor, id: string, at: Date): Promise<void> {
    await tx
      .update(agentCredentials)
      .set({ expiresAt: sql`least(${agentCredentials.expiresAt}, ${at})` })
      .where(eq(agentCredentials.id, id));
  }

  /** The cluster's newest credential that still works, if any. */
  async currentCredential(db: Executor, clusterId: string, now: Date): Promise<AgentCredentialRow | undefined> {
    const [row] = await db
      .select()
      .from(agentCredentials)
      .where(and(eq(agentCredentials.clusterId, clusterId), isNull(agentCredentials.revokedAt), gt(agentCredentials.expiresAt, now)))
      .orderBy(desc(agentCredentials.createdAt))
      .limit(1);
    return row;
  }

  async findCredential(db: Executor, tokenHash: string) {
    const [row] = await db.select().from(agentCredentials).where(eq(agentCredentials.tokenHash, tokenHash));
    return row;
  }
}
