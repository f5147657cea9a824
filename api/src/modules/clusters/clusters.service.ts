import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { checkPage, type Page, type PageArgs, pageInMemory } from '../../shared/pagination.ts';
import { topologyEvent } from '../../shared/topology-events.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { validateName, validateText, validateUrl } from '../../shared/validation.ts';
import type { LivenessService } from '../liveness/liveness.service.ts';
import { normalizeTag, validateUserTags } from '../tags/tags.rules.ts';
import type { TagsService } from '../tags/tags.service.ts';
import { ClusterNameTakenError } from './clusters.errors.ts';
import { type ClusterHealth, type ClusterSummary, clusterHealth, emptyCounts, healthRank } from './clusters.health.ts';
import type { ClustersRepository } from './clusters.repository.ts';
import type { ClusterRow } from './clusters.table.ts';

export interface ClusterInput {
  name: string;
  productKind: string;
  description?: string | null;
  consoleUrl?: string | null;
  tags?: readonly string[] | null;
}

export type ClusterPatch = { [Key in keyof Omit<ClusterInput, 'tags'>]?: ClusterInput[Key] | null };

export interface ClusterFilter {
  search?: string | null;
  tags?: readonly string[] | null;
  health?: readonly ClusterHealth[] | null;
}

export type ClusterOrder = 'NAME' | 'HEALTH';

export type ClusterWithSummary = ClusterRow & { summary: ClusterSummary & { health: ClusterHealth } };

/** A cluster must carry every tag of a filter; more than a few is a mistake, not a question. */
const MAX_FILTER_TAGS = 50;

export class ClustersService {
  #removalListeners: ((clusterId: string) => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: ClustersRepository,
    private readonly tags: TagsService,
    private readonly liveness: LivenessService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
  ) {}

  onRemoved(listener: (clusterId: string) => void): void {
    this.#removalListeners.push(listener);
  }

  /** Reads in the caller's transaction when given one. */
  find(idOrName: string, db: Executor = this.db): Promise<ClusterRow | undefined> {
    return this.repository.find(db, idOrName);
  }

  findMany(ids: readonly string[]): Promise<ClusterRow[]> {
    return this.repository.findMany(this.db, [...ids]);
  }

  /** Records a newly registered manager, in the registration's transaction. */
  async setManager(tx: Executor, cluster: ClusterRow, managerNodeId: string, now: Date): Promise<ClusterRow> {
    return (await this.repository.update(tx, cluster.id, { managerNodeId, updatedAt: now })) ?? cluster;
  }

  async create(meta: RequestMeta, input: ClusterInput): Promise<ClusterRow> {
    const values = {
      name: validateName(input.name, 'name'),
      productKind: validateName(input.productKind, 'productKind').toLowerCase(),
      description: validateText(input.description ?? '', 'description'),
      consoleUrl: input.consoleUrl ? validateUrl(input.consoleUrl, 'consoleUrl') : null,
    };
    const tags = input.tags?.length ? validateUserTags(input.tags) : [];
    const cluster = await this.transactor.run(meta, { action: 'cluster.create', targetType: 'cluster', args: { ...values, tags } }, async (work) => {
      if (await this.repository.findByName(work.tx, values.name)) throw new ClusterNameTakenError(values.name);
      const row = await this.repository.insert(work.tx, values);
      await this.tags.attachToCluster(work.tx, row.id, tags);
      work.target(row.id);
      work.emit(topologyEvent('CLUSTER_REGISTERED', { clusterId: row.id, clusterName: row.name, tags: await this.tags.clusterEventTags(work.tx, row) }));
      return row;
    });
    this.liveness.clusterChanged(cluster);
    return cluster;
  }

  async update(meta: RequestMeta, id: string, patch: ClusterPatch): Promise<ClusterRow> {
    const values: Partial<ClusterRow> = {};
    if (patch.name !== undefined && patch.name !== null) values.name = validateName(patch.name, 'name');
    if (patch.productKind !== undefined && patch.productKind !== null) values.productKind = validateName(patch.productKind, 'productKind').toLowerCase();
    if (patch.description !== undefined && patch.description !== null) values.description = validateText(patch.description, 'description');
    if (patch.consoleUrl !== undefined) values.consoleUrl = patch.consoleUrl ? validateUrl(patch.consoleUrl, 'consoleUrl') : null;
    if (Object.keys(values).length === 0) throw new ValidationError('INVALID_ARGUMENT', 'Nothing to update; give at least one field.', 'input');
    const existing = await this.#require(id);
    return this.liveness.exclusive(existing.id, async () => {
      const cluster = await this.transactor.run(
        meta,
        { action: 'cluster.update', targetType: 'cluster', targetId: existing.id, args: values },
        async (work) => {
          if (values.name && values.name !== existing.name && (await this.repository.findByName(work.tx, values.name)))
            throw new ClusterNameTakenError(values.name);
          const row = await this.repository.update(work.tx, existing.id, { ...values, updatedAt: this.clock.now() });
          if (!row) throw new NotFoundError('cluster', existing.id);
          work.emit(topologyEvent('CLUSTER_UPDATED', { clusterId: row.id, clusterName: row.name, tags: await this.tags.clusterEventTags(work.tx, row) }));
          return row;
        },
      );
      this.liveness.clusterChanged(cluster);
      return cluster;
    });
  }

  /** Deletes the cluster with its nodes, history and agent credentials. */
  async remove(meta: RequestMeta, id: string): Promise<ClusterRow> {
    const existing = await this.#require(id);
    const removed = await this.liveness.exclusive(existing.id, async () => {
      const cluster = await this.transactor.run(
        meta,
        { action: 'cluster.delete', targetType: 'cluster', targetId: existing.id, args: { name: existing.name } },
        async (work) => {
          const row = await this.repository.find(work.tx, existing.id);
          if (!row) throw new NotFoundError('cluster', existing.id);
          const tags = await this.tags.clusterEventTags(work.tx, row);
          await this.repository.delete(work.tx, row.id);
          work.emit(topologyEvent('CLUSTER_REMOVED', { clusterId: row.id, clusterName: row.name, tags }));
          return row;
        },
      );
      this.liveness.clusterRemoved(cluster.id);
      return cluster;
    });
    for (const listener of this.#removalListeners) listener(removed.id);
    return removed;
  }

  async list(filter: ClusterFilter, order: ClusterOrder, pageArgs: PageArgs): Promise<Page<ClusterWithSummary>> {
    const request = checkPage(pageArgs, 2);
    const search = filter.search ? validateText(filter.search, 'search', 100) : null;
    const tags = filter.tags?.length ? [...new Set(filter.tags.map(normalizeTag))] : null;
    if ((tags?.length ?? 0) > MAX_FILTER_TAGS) throw new ValidationError('INVALID_TAG', `Filter by at most ${MAX_FILTER_TAGS} different tags at once.`, 'tags');
    const rows = await this.repository.list(this.db, { search, tags });
    const summaries = await this.summaries(
      rows.map((row) => row.id),
      rows,
    );
    let clusters = rows.map((row) => ({ ...row, summary: summaries.get(row.id) as ClusterWithSummary['summary'] }));
    if (filter.health?.length) clusters = clusters.filter((cluster) => filter.health?.includes(cluster.summary.health));
    const keyOf = (cluster: ClusterWithSummary): unknown[] => (order === 'HEALTH' ? [healthRank(cluster.summary.health), cluster.name] : [0, cluster.name]);
    const compare = (a: unknown[], b: unknown[]) => (a[0] as number) - (b[0] as number) || String(a[1]).localeCompare(String(b[1]), 'en');
    clusters.sort((a, b) => compare(keyOf(a), keyOf(b)));
    return pageInMemory(clusters, request, keyOf, compare);
  }

  /** Worker status counts, manager status and health for each cluster, in one query. */
  async summaries(clusterIds: readonly string[], known?: ClusterRow[]): Promise<Map<string, ClusterWithSummary['summary']>> {
    const rows = known ?? (await this.repository.findMany(this.db, [...clusterIds]));
    const result = new Map<string, ClusterWithSummary['summary']>();
    const counts = new Map(rows.map((row) => [row.id, { workers: emptyCounts(), managerStatus: null as ClusterSummary['managerStatus'] }]));
    for (const row of await this.repository.statusCounts(this.db, [...clusterIds])) {
      const summary = counts.get(row.clusterId);
      if (!summary) continue;
      if (row.role === 'WORKER') summary.workers[row.status] += row.count;
      else if (rows.find((cluster) => cluster.id === row.clusterId)?.managerNodeId)
        summary.managerStatus = row.status === 'LEFT' ? summary.managerStatus : row.status;
    }
    for (const row of rows) {
      const summary = counts.get(row.id) as ClusterSummary;
      if (!row.managerNodeId) summary.managerStatus = null;
      result.set(row.id, { ...summary, health: clusterHealth(summary) });
    }
    return result;
  }

  /** The health of the given clusters, or of every cluster (null). */
  async health(clusterIds: readonly string[] | null): Promise<{ id: string; name: string; health: ClusterHealth; managerNodeId: string | null }[]> {
    const rows = clusterIds ? await this.repository.findMany(this.db, [...clusterIds]) : await this.repository.list(this.db, {});
    const summaries = await this.summaries(
      rows.map((row) => row.id),
      rows,
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      health: (summaries.get(row.id) as ClusterWithSummary['summary']).health,
      managerNodeId: row.managerNodeId,
    }));
  }

  async overview() {
    const rows = await this.repository.list(this.db, {});
    const summaries = await this.summaries(
      rows.map((row) => row.id),
      rows,
    );
    const byHealth: Record<ClusterHealth, number> = { UNREACHABLE: 0, CRITICAL: 0, DEGRADED: 0, PENDING: 0, HEALTHY: 0 };
    for (const summary of summaries.values()) byHealth[summary.health] += 1;
    return { clusters: rows.length, byHealth };
  }

  async #require(id: string): Promise<ClusterRow> {
    const cluster = await this.repository.find(this.db, id);
    if (!cluster) throw new NotFoundError('cluster', id);
    return cluster;
  }
}
