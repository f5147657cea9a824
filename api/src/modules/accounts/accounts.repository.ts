import { and, asc, count, eq, isNull, ne } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { type ApiTokenRow, apiTokens, type Role, type SessionRow, sessions, type UserRow, users } from './accounts.table.ts';

export class AccountsRepository {
  async countUsers(db: Executor): Promise<number> {
    const [row] = await db.select({ value: count() }).from(users);
    return row.value;
  }

  async countActiveAdmins(db: Executor): Promise<number> {
    const [row] = await db
      .select({ value: count() })
      .from(users)
      .where(and(eq(users.role, 'ADMIN'), eq(users.disabled, false)));
    return row.value;
  }

  async findUserByName(db: Executor, username: string): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.username, username));
    return row;
  }

  async findUser(db: Executor, id: string): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    return row;
  }

  async listUsers(db: Executor): Promise<UserRow[]> {
    return db.select().from(users).orderBy(asc(users.username));
  }

  async insertUser(db: Executor, values: { username: string; passwordHash: string; role: Role }): Promise<UserRow> {
    const [row] = await db.insert(users).values(values).returning();
    return row;
  }

  async updateUser(db: Executor, id: string, values: Partial<Pick<UserRow, 'role' | 'disabled' | 'passwordHash' | 'passwordChangedAt'>>) {
    const [row] = await db.update(users).set(values).where(eq(users.id, id)).returning();
    return row as UserRow | undefined;
  }

  async insertSession(db: Executor, values: { userId: string; tokenHash: string; expiresAt: Date }): Promise<SessionRow> {
    const [row] = await db.insert(sessions).values(values).returning();
    return row;
  }

  async findSession(db: Executor, tokenHash: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
    const [row] = await db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.tokenHash, tokenHash));
    return row;
  }

  async revokeSession(db: Executor, id: string, at: Date): Promise<void> {
    await db
      .update(sessions)
      .set({ revokedAt: at })
      .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
  }

  /** Ends every session of a user, but `exceptSessionId` when given. */
  async revokeSessionsOfUser(db: Executor, userId: string, at: Date, exceptSessionId?: string): Promise<void> {
    await db
      .update(sessions)
      .set({ revokedAt: at })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptSessionId ? ne(sessions.id, exceptSessionId) : undefined));
  }

  async revokeApiTokensOfUser(db: Executor, userId: string, at: Date): Promise<void> {
    await db
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
  }

  async insertApiToken(db: Executor, values: { userId: string; name: string; role: Role; tokenHash: string; expiresAt: Date | null }): Promise<ApiTokenRow> {
    const [row] = await db.insert(apiTokens).values(values).returning();
    return row;
  }

  async findApiToken(db: Executor, tokenHash: string): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
    const [row] = await db
      .select({ token: apiTokens, user: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, tokenHash));
    return row;
  }

  async findApiTokenById(db: Executor, id: string): Promise<ApiTokenRow | undefined> {
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
    return row;
  }

  async listApiTokens(db: Executor, userId?: string): Promise<ApiTokenRow[]> {
    return db
      .select()
      .from(apiTokens)
      .where(userId ? eq(apiTokens.userId, userId) : undefined)
      .orderBy(asc(apiTokens.createdAt));
  }

  async revokeApiToken(db: Executor, id: string, at: Date): Promise<void> {
    await db
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
  }
}
