import { and, asc, count, desc, eq, gt, notInArray, or, Param, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import type { NodeFile } from './operations.deploy.ts';
import { type OperationKind, type OperationRow, type OperationState, operationSteps, operations, type StepRow, type StepState } from './operations.table.ts';

export const TERMINAL_OPERATION: OperationState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

export interface OperationFilter {
  states?: OperationState[] | null;
  kinds?: OperationKind[] | null;
  clusterIds?: string[] | null;
  scheduleId?: string | null;
}

export class OperationsRepository {
  async insert(tx: Executor, values: typeof operations.$inferInsert): Promise<OperationRow> {
    const [row] = await tx.insert(operations).values(values).returning();
    return row;
  }

  async insertSteps(tx: Executor, steps: (typeof operationSteps.$inferInsert)[]): Promise<StepRow[]> {
    const inserted: StepRow[] = [];
    for (const batch of insertBatches(operationSteps, steps)) inserted.push(...(await tx.insert(operationSteps).values(batch).returning()));
    return inserted;
  }

  async find(db: Executor, id: string): Promise<OperationRow | undefined> {
    const [row] = await db.select().from(operations).where(eq(operations.id, id));
    return row;
  }

  async findByIdempotencyKey(db: Executor, key: string): Promise<OperationRow | undefined> {
    const [row] = await db.select().from(operations).where(eq(operations.idempotencyKey, key));
    return row;
  }

  async active(db: Executor): Promise<OperationRow[]> {
    return db.select().from(operations).where(notInArray(operations.state, TERMINAL_OPERATION)).orderBy(asc(operations.createdAt));
  }

  async activeStepCounts(db: Executor): Promise<{ state: StepState; count: number }[]> {
    return db
      .select({ state: operationSteps.state, count: count() })
      .from(operationSteps)
      .innerJoin(operations, eq(operations.id, operationSteps.operationId))
      .where(notInArray(operations.state, TERMINAL_OPERATION))
      .groupBy(operationSteps.state);
  }

  /** Unfinished DEPLOY operations with a step that installs the item. */
  async activeDeploying(db: Executor, itemId: string): Promise<string[]> {
    const rows = await db
      .selectDistinct({ id: operations.id })
      .from(operations)
      .innerJoin(operationSteps, eq(operationSteps.operationId, operations.id))
      .where(
        and(
          eq(operations.kind, 'DEPLOY'),
          notInArray(operations.state, TERMINAL_OPERATION),
          sql`${operationSteps.change}->'install' @> jsonb_build_array(jsonb_build_object('itemId', ${itemId}::text))`,
        ),
      );
    return rows.map((row) => row.id);
  }

  /**
   * The SUCCEEDED APPLY steps of DEPLOY operations that installed one of these files on its node,
   * newest first, each with the files it installed: kinds, names, hashes and versions only, since a
   * change carries configuration files inline.
   */
  async succeededDeploySteps(db: Executor, files: readonly NodeFile[]) {
    if (files.length === 0) return [];
    const wanted = files.map((file) => JSON.stringify([{ kind: file.kind, name: file.name, sha256: file.sha256 }]));
    return db
      .select({
        nodeId: operationSteps.nodeId,
        operationId: operationSteps.operationId,
        requestedBy: operations.requestedBy,
        finishedAt: operationSteps.finishedAt,
        installed: sql<
          (Omit<NodeFile, 'nodeId'> & { version: string | null })[]
        >`(select jsonb_agg(jsonb_build_object('kind', file->>'kind', 'name', file->>'name', 'sha256', file->>'sha256', 'version', file->>'version')) from jsonb_array_elements(${operationSteps.change}->'install') as file)`,
      })
      .from(operationSteps)
      .innerJoin(operations, eq(operations.id, operationSteps.operationId))
      .where(
        and(
          anyOf(operationSteps.nodeId, [...new Set(files.map((file) => file.nodeId))]),
          eq(operationSteps.phase, 'APPLY'),
          eq(operationSteps.state, 'SUCCEEDED'),
          eq(operations.kind, 'DEPLOY'),
          sql`${operationSteps.change}->'install' @> any(${new Param(wanted)}::text[]::jsonb[])`,
        ),
      )
      .orderBy(sql`${operationSteps.finishedAt} desc nulls last`, desc(operationSteps.id));
  }

  async activeOfSchedule(db: Executor, scheduleId: string): Promise<OperationRow[]> {
    return db
      .select()
      .from(operations)
      .where(and(eq(operations.scheduleId, scheduleId), notInArray(operations.state, TERMINAL_OPERATION)));
  }

  /** Newest first; the cursor is (createdAt, id). */
  async list(db: Executor, filter: OperationFilter, limit: number, after: [string, string] | null): Promise<OperationRow[]> {
    return db
      .select()
      .from(operations)
      .where(
        and(
          this.#matching(filter),
          after
            ? or(sql`${operations.createdAt} < ${after[0]}`, and(sql`${operations.createdAt} = ${after[0]}`, sql`${operations.id} < ${after[1]}`))
            : undefined,
        ),
      )
      .orderBy(desc(operations.createdAt), desc(operations.id))
      .limit(limit);
  }

  async count(db: Executor, filter: OperationFilter): Promise<number> {
    const [row] = await db.select({ value: count() }).from(operations).where(this.#matching(filter));
    return row.value;
  }

  async update(tx: Executor, id: string, values: Partial<OperationRow>): Promise<OperationRow> {
    const [row] = await tx.update(operations).set(values).where(eq(operations.id, id)).returning();
    return row;
  }

  async steps(db: Executor, operationId: string): Promise<StepRow[]> {
    return db.select().from(operationSteps).where(eq(operationSteps.operationId, operationId)).orderBy(asc(operationSteps.position));
  }

  async stepsPage(db: Executor, operationId: string, limit: number, afterPosition: number | null): Promise<StepRow[]> {
    return db
      .select()
      .from(operationSteps)
      .where(and(eq(operationSteps.operationId, operationId), afterPosition === null ? undefined : gt(operationSteps.position, afterPosition)))
      .orderBy(asc(operationSteps.position))
      .limit(limit);
  }

  async updateStep(tx: Executor, id: string, values: Partial<StepRow>): Promise<StepRow> {
    const [row] = await tx.update(operationSteps).set(values).where(eq(operationSteps.id, id)).returning();
    return row;
  }

  async updateSteps(tx: Executor, ids: string[], values: Partial<StepRow>): Promise<void> {
    if (ids.length > 0) await tx.update(operationSteps).set(values).where(anyOf(operationSteps.id, ids));
  }

  #matching(filter: OperationFilter) {
    return and(
      filter.states?.length ? anyOf(operations.state, filter.states) : undefined,
      filter.kinds?.length ? anyOf(operations.kind, filter.kinds) : undefined,
      filter.scheduleId ? eq(operations.scheduleId, filter.scheduleId) : undefined,
      filter.clusterIds?.length
        ? sql`exists (select 1 from ${operationSteps} where ${operationSteps.operationId} = ${operations.id} and ${anyOf(operationSteps.clusterId, filter.clusterIds)})`
        : undefined,
    );
  }

  /** Operations that ended in one of the states since `since`, with the clusters their steps touched. */
  async endedSince(db: Executor, states: readonly OperationState[], since: Date) {
    return db
      .select({
        id: operations.id,
        kind: operations.kind,
        state: operations.state,
        description: operations.description,
        finishedAt: operations.finishedAt,
        clusterIds: sql<
          string[]
        >`coalesce((select array_agg(distinct ${operationSteps.clusterId}::text) from ${operationSteps} where ${operationSteps.operationId} = ${operations.id}), '{}')`,
      })
      .from(operations)
      .where(and(anyOf(operations.state, [...states]), sql`${operations.finishedAt} >= ${since.toISOString()}::timestamptz`))
      .orderBy(asc(operations.finishedAt))
      .limit(1000);
  }
}
