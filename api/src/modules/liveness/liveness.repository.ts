import { and, asc, count, desc, eq, gte, lt, lte, ne, Param, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { anyOf, insertBatches } from '../../shared/batching.ts';
import { type NodeStatus, nodeLiveness, nodeStats, nodeStatusHistory, type ReportedState, type StatusCause, type StatusHistoryRow } from './liveness.table.ts';

/** The measurements kept per minute. */
export type StatColumn = 'cpuPercent' | 'memoryBytes' | 'diskPercent' | 'load1';

export interface JudgedRow {
  nodeId: string;
  status: NodeStatus;
  statusCause: StatusCause;
  statusSince: Date;
  reportedState: ReportedState | null;
}

export interface StatusChange {
  nodeId: string;
  clusterId: string;
  from: NodeStatus;
  to: NodeStatus;
  cause: StatusCause;
  at: Date;
  operationId?: string | null;
}

/** One entry of a heartbeat batch as written: what the manager observed and measured. */
export interface BatchRow {
  nodeId: string;
  state: ReportedState;
  cpu: number | null;
  mem: number | null;
  load: number | null;
  disk: number | null;
  uptime: number | null;
  version: string | null;
}

export interface StatsRow {
  nodeId: string;
  minute: Date;
  cpuPercent: number | null;
  memoryBytes: number | null;
  load1: number | null;
  diskPercent: number | null;
  samples: number;
}

/** A cluster's manager, or its workers, of one status and freshness: how many, and each measurement's sum, count and highest value. */
export interface ClusterAggregateRow {
  clusterId: string;
  manager: boolean;
  status: NodeStatus;
  /** Measurements reported since `measuredSince`, by nodes not STOPPED. */
  fresh: boolean;
  nodes: number;
  cpuSum: number | null;
  cpuCount: number;
  cpuMax: number | null;
  memorySum: number | null;
  memoryCount: number;
  memoryMax: number | null;
  diskSum: number | null;
  diskCount: number;
  diskMax: number | null;
}

export class LivenessRepository {
  /** The stored liveness of the nodes it judges (all but those that left), of these nodes or of all. */
  async judged(db: Executor, nodeIds: string[] | null): Promise<JudgedRow[]> {
    if (nodeIds?.length === 0) return [];
    return db
      .select({
        nodeId: nodeLiveness.nodeId,
        status: nodeLiveness.status,
        statusCause: nodeLiveness.statusCause,
        statusSince: nodeLiveness.statusSince,
        reportedState: nodeLiveness.reportedState,
      })
      .from(nodeLiveness)
      .where(and(ne(nodeLiveness.status, 'LEFT'), nodeIds ? anyOf(nodeLiveness.nodeId, nodeIds) : undefined));
  }

  async statusesOf(db: Executor, nodeIds: string[]): Promise<Map<string, NodeStatus>> {
    if (nodeIds.length === 0) return new Map();
    const rows = await db.select({ nodeId: nodeLiveness.nodeId, status: nodeLiveness.status }).from(nodeLiveness).where(anyOf(nodeLiveness.nodeId, nodeIds));
    return new Map(rows.map((row) => [row.nodeId, row.status]));
  }

  async statusCounts(db: Executor): Promise<{ status: NodeStatus; count: number }[]> {
    return db.select({ status: nodeLiveness.status, count: count() }).from(nodeLiveness).groupBy(nodeLiveness.status);
  }

  /**
   * The whole fleet summed up by cluster in one pass over the liveness rows, so its cost grows with
   * the fleet but its answer only with the number of clusters. Groups also split on whether the
   * measurements are fresh (reported since `measuredSince` by a running node), so that the caller
   * picks the current ones without a filter evaluated for every row and measurement.
   */
  async clusterAggregates(db: Executor, managerNodeIds: string[], measuredSince: Date): Promise<ClusterAggregateRow[]> {
    const l = nodeLiveness;
    const isManager = sql`m.id is not null`;
    const fresh = sql`coalesce(${l.reportedState} <> 'STOPPED' and ${l.statsReportedAt} > ${measuredSince}, false)`;
    const over = (column: SQL, kind: 'sum' | 'count' | 'max') =>
      sql`${sql.raw(kind)}(${column})::${sql.raw(kind === 'count' ? 'int' : 'float8')}`.mapWith(Number);
    return (
      db
        .select({
          clusterId: l.clusterId,
          manager: sql<boolean>`${isManager}`,
          status: l.status,
          fresh: sql<boolean>`${fresh}`,
          nodes: sql<number>`count(*)::int`.mapWith(Number),
          cpuSum: over(sql`${l.cpuPercent}`, 'sum'),
          cpuCount: over(sql`${l.cpuPercent}`, 'count'),
          cpuMax: over(sql`${l.cpuPercent}`, 'max'),
          memorySum: over(sql`${l.memoryBytes}`, 'sum'),
          memoryCount: over(sql`${l.memoryBytes}`, 'count'),
          memoryMax: over(sql`${l.memoryBytes}`, 'max'),
          diskSum: over(sql`${l.diskPercent}`, 'sum'),
          diskCount: over(sql`${l.diskPercent}`, 'count'),
          diskMax: over(sql`${l.diskPercent}`, 'max'),
        })
        .from(l)
        .leftJoin(sql`unnest(${new Param(managerNodeIds)}::uuid[]) as m(id)`, sql`m.id = ${l.nodeId}`)
        // By position: the freshness test carries a parameter, and PostgreSQL matches no grouping
        // expression with a parameter to the same one in the select list.
        .groupBy(sql`1, 2, 3, 4`)
    );
  }

  /** The latest liveness and measurements of these nodes. */
  async latestOf(db: Executor, nodeIds: string[]) {
    if (nodeIds.length === 0) return [];
    const l = nodeLiveness;
    return db
      .select({
        nodeId: l.nodeId,
        status: l.status,
        reportedState: l.reportedState,
        lastSeenAt: l.lastSeenAt,
        statsReportedAt: l.statsReportedAt,
        cpuPercent: l.cpuPercent,
        memoryBytes: l.memoryBytes,
        load1: l.load1,
        diskPercent: l.diskPercent,
      })
      .from(l)
      .where(anyOf(l.nodeId, nodeIds));
  }

  async lastSequence(db: Executor, nodeId: string): Promise<number | null> {
    const [row] = await db.select({ value: nodeLiveness.batchSequence }).from(nodeLiveness).where(eq(nodeLiveness.nodeId, nodeId));
    return row?.value ?? null;
  }

  /** Creates or resets liveness rows, e.g. when nodes join or rejoin. */
  async initialize(tx: Executor, rows: { nodeId: string; clusterId: string; status: NodeStatus; cause: StatusCause; at: Date }[]) {
    const values = rows.map((row) => ({ nodeId: row.nodeId, clusterId: row.clusterId, status: row.status, statusCause: row.cause, statusSince: row.at }));
    for (const batch of insertBatches(nodeLiveness, values)) {
      await tx
        .insert(nodeLiveness)
        .values(batch)
        .onConflictDoUpdate({
          target: nodeLiveness.nodeId,
          set: { status: sql`excluded.status`, statusCause: sql`excluded.status_cause`, statusSince: sql`excluded.status_since`, batchSequence: null },
        });
    }
  }

  /**
   * The whole of a heartbeat batch in one statement: receive time, observed state and stats of
   * every accepted entry. A stat an entry leaves out keeps its last value; an entry with no stats
   * at all keeps the time they were last reported. Rows of nodes that left are never touched. Status changes are written apart, by setStatuses, as they are rare.
   */
  async applyBatch(db: Executor, clusterId: string, sequence: number, receivedAt: Date, rows: BatchRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <K extends keyof BatchRow>(key: K) => new Param(rows.map((row) => row[key]));
    await db.execute(sql`
      update ${nodeLiveness} as l set
        last_seen_at = ${receivedAt},
        last_healthy_at = case when b.state = 'HEALTHY' then ${receivedAt}::timestamptz else l.last_healthy_at end,
        reported_state = b.state,
        batch_sequence = ${sequence},
        cpu_percent = coalesce(b.cpu, l.cpu_percent),
        memory_bytes = coalesce(b.mem, l.memory_bytes),
        load1 = coalesce(b.load, l.load1),
        disk_percent = coalesce(b.disk, l.disk_percent),
        uptime_seconds = coalesce(b.uptime, l.uptime_seconds),
        stats_reported_at = case when num_nonnulls(b.cpu, b.mem, b.load, b.disk, b.uptime) > 0 then ${receivedAt}::timestamptz else l.stats_reported_at end,
        reported_version = coalesce(b.version, l.reported_version)
      from unnest(${column('nodeId')}::uuid[], ${column('state')}::text[]::reported_state[], ${column('cpu')}::float8[], ${column('mem')}::bigint[],
        ${column('load')}::float8[], ${column('disk')}::float8[], ${column('uptime')}::bigint[], ${column('version')}::text[])
        as b(node_id, state, cpu, mem, load, disk, uptime, version)
      where l.node_id = b.node_id and l.cluster_id = ${clusterId} and l.status <> 'LEFT'`);
  }

  async setStatuses(tx: Executor, changes: StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await tx.execute(sql`
      update ${nodeLiveness} as l set status = b.status, status_cause = b.cause, status_since = b.since
      from unnest(${new Param(changes.map((change) => change.nodeId))}::uuid[], ${new Param(changes.map((change) => change.to))}::text[]::node_status[],
        ${new Param(changes.map((change) => change.cause))}::text[]::status_cause[], ${new Param(changes.map((change) => change.at.toISOString()))}::timestamptz[])
        as b(node_id, status, cause, since)
      where l.node_id = b.node_id`);
  }

  async insertHistory(tx: Executor, changes: StatusChange[]): Promise<void> {
    const values = changes.map((change) => ({
      nodeId: change.nodeId,
      clusterId: change.clusterId,
      fromStatus: change.from,
      toStatus: change.to,
      cause: change.cause,
      at: change.at,
      operationId: change.operationId ?? null,
    }));
    for (const batch of insertBatches(nodeStatusHistory, values)) await tx.insert(nodeStatusHistory).values(batch);
  }

  /**
   * Merges per-minute samples into the series, weighting averages by sample counts: one statement
   * with one array a column, so its size does not grow with the fleet.
   */
  async upsertStats(db: Executor, rows: StatsRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <T>(value: (row: StatsRow) => T) => new Param(rows.map(value));
    const weighted = (name: string) =>
      sql.raw(
        `case when node_stats.${name} is null then excluded.${name} when excluded.${name} is null then node_stats.${name} ` +
          `else (node_stats.${name} * node_stats.samples + excluded.${name} * excluded.samples) / (node_stats.samples + excluded.samples) end`,
      );
    await db.execute(sql`
      insert into ${nodeStats} (node_id, minute, cpu_percent, memory_bytes, load1, disk_percent, samples)
      select * from unnest(${column((row) => row.nodeId)}::uuid[], ${column((row) => row.minute.toISOString())}::timestamptz[],
        ${column((row) => row.cpuPercent)}::float8[], ${column((row) => row.memoryBytes)}::bigint[], ${column((row) => row.load1)}::float8[],
        ${column((row) => row.diskPercent)}::float8[], ${column((row) => row.samples)}::int[])
      on conflict (node_id, minute) do update set
        cpu_percent = ${weighted('cpu_percent')},
        memory_bytes = (${weighted('memory_bytes')})::bigint,
        load1 = ${weighted('load1')},
        disk_percent = ${weighted('disk_percent')},
        samples = node_stats.samples + excluded.samples`);
  }

  async pruneStats(db: Executor, before: Date): Promise<void> {
    await db.delete(nodeStats).where(lt(nodeStats.minute, before));
  }

  async history(db: Executor, nodeId: string, limit: number, beforeId?: number): Promise<StatusHistoryRow[]> {
    return db
      .select()
      .from(nodeStatusHistory)
      .where(and(eq(nodeStatusHistory.nodeId, nodeId), beforeId !== undefined ? lt(nodeStatusHistory.id, beforeId) : undefined))
      .orderBy(desc(nodeStatusHistory.id))
      .limit(limit);
  }

  /** Each node's latest status change that an operation caused, as node id to operation id: one query for all of them. */
  async latestOperations(db: Executor, nodeIds: readonly string[]): Promise<Map<string, string | null>> {
    if (nodeIds.length === 0) return new Map();
    const rows = await db
      .selectDistinctOn([nodeStatusHistory.nodeId], { nodeId: nodeStatusHistory.nodeId, operationId: nodeStatusHistory.operationId })
      .from(nodeStatusHistory)
      .where(anyOf(nodeStatusHistory.nodeId, nodeIds))
      .orderBy(nodeStatusHistory.nodeId, desc(nodeStatusHistory.id));
    return new Map(rows.map((row) => [row.nodeId, row.operationId]));
  }

  async countHistory(db: Executor, nodeId: string): Promise<number> {
    const [row] = await db.select({ value: count() }).from(nodeStatusHistory).where(eq(nodeStatusHistory.nodeId, nodeId));
    return row.value;
  }

  async historyOfNodes(db: Executor, nodeIds: string[], from: Date, to: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .select()
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), gte(nodeStatusHistory.at, from), lte(nodeStatusHistory.at, to)))
      .orderBy(asc(nodeStatusHistory.at), asc(nodeStatusHistory.id));
  }

  /** Nodes whose per-minute average of a measurement since `since` is above `above` (all nodes, or those given). */
  async averagesAbove(db: Executor, nodeIds: readonly string[] | null, metric: StatColumn, since: Date, above: number) {
    const column = nodeStats[metric];
    const average = sql<number>`avg(${column})::float8`;
    return db
      .select({ nodeId: nodeStats.nodeId, average })
      .from(nodeStats)
      .where(and(gte(nodeStats.minute, since), nodeIds ? anyOf(nodeStats.nodeId, [...nodeIds]) : undefined))
      .groupBy(nodeStats.nodeId)
      .having(sql`avg(${column}) > ${above}`);
  }

  /** One measurement per node per minute since `since`, oldest first (all nodes, or those given). */
  async seriesOf(db: Executor, nodeIds: readonly string[] | null, metric: StatColumn, since: Date) {
    const column = nodeStats[metric];
    return db
      .select({ nodeId: nodeStats.nodeId, minute: nodeStats.minute, value: sql<number>`${column}::float8` })
      .from(nodeStats)
      .where(and(gte(nodeStats.minute, since), sql`${column} is not null`, nodeIds ? anyOf(nodeStats.nodeId, [...nodeIds]) : undefined))
      .orderBy(asc(nodeStats.nodeId), asc(nodeStats.minute));
  }

  async statsSeries(db: Executor, nodeId: string, from: Date, to: Date) {
    return db
      .select()
      .from(nodeStats)
      .where(and(eq(nodeStats.nodeId, nodeId), gte(nodeStats.minute, from), lte(nodeStats.minute, to)))
      .orderBy(asc(nodeStats.minute));
  }

  async transitionsWithin(db: Executor, nodeIds: string[], from: Date, to: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .select()
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), gte(nodeStatusHistory.at, from), lte(nodeStatusHistory.at, to)))
      .orderBy(asc(nodeStatusHistory.at), asc(nodeStatusHistory.id));
  }

  /** Each node's last transition before `at`: its status when the window opens. */
  async lastTransitionBefore(db: Executor, nodeIds: string[], at: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .selectDistinctOn([nodeStatusHistory.nodeId])
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), lt(nodeStatusHistory.at, at)))
      .orderBy(nodeStatusHistory.nodeId, desc(nodeStatusHistory.at), desc(nodeStatusHistory.id));
  }

  /** Each node's first transition at or after `at` (its `from` is the status before it, for nodes with no earlier history). */
  async firstTransitionFrom(db: Executor, nodeIds: string[], at: Date): Promise<StatusHistoryRow[]> {
    if (nodeIds.length === 0) return [];
    return db
      .selectDistinctOn([nodeStatusHistory.nodeId])
      .from(nodeStatusHistory)
      .where(and(anyOf(nodeStatusHistory.nodeId, nodeIds), sql`${nodeStatusHistory.at} >= ${at}`))
      .orderBy(nodeStatusHistory.nodeId, asc(nodeStatusHistory.at), asc(nodeStatusHistory.id));
  }
}
