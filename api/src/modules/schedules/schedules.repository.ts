import { and, asc, count, desc, eq, gte, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { type RunState, type ScheduleRow, type ScheduleRunRow, scheduleRuns, schedules } from './schedules.table.ts';

export class SchedulesRepository {
  async insert(tx: Executor, values: typeof schedules.$inferInsert): Promise<ScheduleRow> {
    const [row] = await tx.insert(schedules).values(values).returning();
    return row;
  }

  async update(tx: Executor, id: string, values: Partial<ScheduleRow>): Promise<ScheduleRow | undefined> {
    const [row] = await tx.update(schedules).set(values).where(eq(schedules.id, id)).returning();
    return row;
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.delete(schedules).where(eq(schedules.id, id));
  }

  async find(db: Executor, id: string): Promise<ScheduleRow | undefined> {
    const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
    return row;
  }

  async findByName(db: Executor, name: string): Promise<ScheduleRow | undefined> {
    const [row] = await db.select().from(schedules).where(eq(schedules.name, name));
    return row;
  }

  async all(db: Executor): Promise<ScheduleRow[]> {
    return db.select().from(schedules).orderBy(asc(schedules.name));
  }

  /** Records the decision for one scheduled time; returns null if that time was already decided. */
  async insertRun(tx: Executor, values: typeof scheduleRuns.$inferInsert): Promise<ScheduleRunRow | null> {
    const [row] = await tx.insert(scheduleRuns).values(values).onConflictDoNothing().returning();
    return row ?? null;
  }

  async updateRun(tx: Executor, id: string, values: Partial<ScheduleRunRow>): Promise<void> {
    await tx.update(scheduleRuns).set(values).where(eq(scheduleRuns.id, id));
  }

  async oldestRun(db: Executor, scheduleId: string, state: RunState): Promise<ScheduleRunRow | undefined> {
    const [row] = await db
      .select()
      .from(scheduleRuns)
      .where(and(eq(scheduleRuns.scheduleId, scheduleId), eq(scheduleRuns.state, state)))
      .orderBy(asc(scheduleRuns.scheduledFor))
      .limit(1);
    return row;
  }

  async runs(db: Executor, scheduleId: string, limit: number, before: string | null): Promise<ScheduleRunRow[]> {
    return db
      .select()
      .from(scheduleRuns)
      .where(and(eq(scheduleRuns.scheduleId, scheduleId), before ? lt(scheduleRuns.scheduledFor, new Date(before)) : undefined))
      .orderBy(desc(scheduleRuns.scheduledFor))
      .limit(limit);
  }

  async countRuns(db: Executor, scheduleId: string): Promise<number> {
    const [row] = await db.select({ value: count() }).from(scheduleRuns).where(eq(scheduleRuns.scheduleId, scheduleId));
    return row.value;
  }

  /** Runs decided MISSED since `since`, with their schedule's name. */
  async missedSince(db: Executor, since: Date) {
    return db
      .select({ id: scheduleRuns.id, scheduleId: scheduleRuns.scheduleId, name: schedules.name, scheduledFor: scheduleRuns.scheduledFor })
      .from(scheduleRuns)
      .innerJoin(schedules, eq(schedules.id, scheduleRuns.scheduleId))
      .where(and(eq(scheduleRuns.state, 'MISSED'), gte(scheduleRuns.createdAt, since)))
      .orderBy(asc(scheduleRuns.scheduledFor))
      .limit(1000);
  }
}
