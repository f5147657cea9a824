import { and, asc, desc, gte, lt, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf } from '../../shared/batching.ts';
import { nodeStatusHistory, type StatusHistoryRow } from '../liveness/liveness.table.ts';

export class AvailabilityRepository {
  async transitions(db: Executor, nodeIds: string[], from: Date, to: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .select()
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), gte(nodeStatusHistory.at, from), lte(nodeStatusHistory.at, to)))
      .orderBy(asc(nodeStatusHistory.at), asc(nodeStatusHistory.id));
  }

  /** Each node's last transition before `at`: its status when the window opens. */
  async lastBefore(db: Executor, nodeIds: string[], at: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .selectDistinctOn([nodeStatusHistory.nodeId])
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), lt(nodeStatusHistory.at, at)))
      .orderBy(nodeStatusHistory.nodeId, desc(nodeStatusHistory.at), desc(nodeStatusHistory.id));
  }

  /** Each node's first transition at or after `at` (its `from` is the status before it, for nodes with no earlier history). */
  async firstFrom(db: Executor, nodeIds: string[], at: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .selectDistinctOn([nodeStatusHistory.nodeId])
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), sql`${nodeStatusHistory.at} >= ${at}`))
      .orderBy(nodeStatusHistory.nodeId, asc(nodeStatusHistory.at), asc(nodeStatusHistory.id));
  }
}
