import type { Database, Executor } from '../../db/client.ts';
import type { RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { topologyEvent } from '../../shared/topology-events.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { validateId } from '../../shared/validation.ts';
import type { TagsRepository } from './tags.repository.ts';
import { effectiveTags, validateUserTags } from './tags.rules.ts';
import type { TaggedCluster, TaggedNode, TagSubjects } from './tags.types.ts';

export interface TagChangeInput {
  nodeIds?: readonly string[] | null;
  clusterIds?: readonly string[] | null;
  tags: readonly string[];
}

export class TagsService {
  constructor(
    private readonly db: Database,
    private readonly repository: TagsRepository,
    private readonly subjects: TagSubjects,
    private readonly transactor: Transactor,
  ) {}

  add(meta: RequestMeta, input: TagChangeInput) {
    return this.#change(meta, input, 'tags.add');
  }

  remove(meta: RequestMeta, input: TagChangeInput) {
    return this.#change(meta, input, 'tags.remove');
  }

  /** Nodes' tags in full (see effectiveTags), read in the caller's transaction. */
  async effectiveTags(db: Executor, cluster: TaggedCluster, nodes: readonly Pick<TaggedNode, 'id' | 'role'>[]): Promise<Map<string, string[]>> {
    return this.effectiveTagsAcross(
      db,
      new Map([[cluster.id, cluster]]),
      nodes.map((node) => ({ ...node, clusterId: cluster.id })),
    );
  }

  /** The same for nodes of several clusters at once: two reads however many nodes change. */
  async effectiveTagsAcross(
    db: Executor,
    clusters: ReadonlyMap<string, TaggedCluster>,
    nodes: readonly Pick<TaggedNode, 'id' | 'role' | 'clusterId'>[],
  ): Promise<Map<string, string[]>> {
    const own = await this.repository.nodeTagsOf(
      db,
      nodes.map((node) => node.id),
    );
    const ofClusters = await this.repository.clusterTagsOf(db, [...clusters.keys()]);
    const tagged = new Map(
      [...clusters.values()].map((cluster) => [cluster.id, { name: cluster.name, productKind: cluster.productKind, tags: ofClusters.get(cluster.id) ?? [] }]),
    );
    const tags = new Map<string, string[]>();
    for (const node of nodes) {
      const cluster = tagged.get(node.clusterId);
      if (cluster) tags.set(node.id, effectiveTags(cluster, { role: node.role, tags: own.get(node.id) ?? [] }));
    }
    return tags;
  }

  async clusterEventTags(db: Executor, cluster: TaggedCluster): Promise<string[]> {
    return effectiveTags({ ...cluster, tags: (await this.repository.clusterTagsOf(db, [cluster.id])).get(cluster.id) ?? [] });
  }

  /** Attaches a new cluster's first tags in its registration's transaction. */
  attachToCluster(db: Executor, clusterId: string, tags: readonly string[]) {
    return this.repository.addClusterTags(db, [clusterId], [...tags]);
  }

  nodeTagsOf(nodeIds: string[]) {
    return this.repository.nodeTagsOf(this.db, nodeIds);
  }

  clusterTagsOf(clusterIds: string[]) {
    return this.repository.clusterTagsOf(this.db, clusterIds);
  }

  usage() {
    return this.repository.usage(this.db);
  }

  async #change(meta: RequestMeta, input: TagChangeInput, action: 'tags.add' | 'tags.remove') {
    const tags = validateUserTags(input.tags);
    const nodeIds = [...new Set((input.nodeIds ?? []).map((id) => validateId(id, 'nodeIds')))];
    const clusterIds = [...new Set((input.clusterIds ?? []).map((id) => validateId(id, 'clusterIds')))];
    if (nodeIds.length + clusterIds.length === 0) throw new ValidationError('INVALID_ARGUMENT', 'Name at least one node or cluster to tag.', 'nodeIds');
    if (nodeIds.length + clusterIds.length > 1000)
      throw new ValidationError('INVALID_ARGUMENT', 'At most 1000 nodes and clusters can be tagged at once.', 'nodeIds');
    return this.transactor.run(meta, { action, targetType: 'tags', args: { nodeIds, clusterIds, tags } }, async (work) => {
      const nodeRows = await this.subjects.nodes(work.tx, nodeIds);
      const missingNode = nodeIds.find((id) => !nodeRows.some((node) => node.id === id));
      if (missingNode) throw new NotFoundError('node', missingNode);
      const clusterRows = await this.subjects.clusters(work.tx, clusterIds);
      const missingCluster = clusterIds.find((id) => !clusterRows.some((cluster) => cluster.id === id));
      if (missingCluster) throw new NotFoundError('cluster', missingCluster);
      if (action === 'tags.add') {
        await this.repository.addNodeTags(work.tx, nodeIds, tags);
        await this.repository.addClusterTags(work.tx, clusterIds, tags);
      } else {
        await this.repository.removeNodeTags(work.tx, nodeIds, tags);
        await this.repository.removeClusterTags(work.tx, clusterIds, tags);
      }
      for (const cluster of clusterRows) {
        work.emit(topologyEvent('TAGS_CHANGED', { clusterId: cluster.id, clusterName: cluster.name, tags: await this.clusterEventTags(work.tx, cluster) }));
      }
      const clustersOfNodes = new Map(
        (await this.subjects.clusters(work.tx, [...new Set(nodeRows.map((node) => node.clusterId))])).map((cluster) => [cluster.id, cluster]),
      );
      for (const cluster of clustersOfNodes.values()) {
        const members = nodeRows.filter((node) => node.clusterId === cluster.id);
        const effective = await this.effectiveTags(work.tx, cluster, members);
        for (const node of members) {
          work.emit(
            topologyEvent('TAGS_CHANGED', {
              clusterId: cluster.id,
              clusterName: cluster.name,
              nodeId: node.id,
              nodeName: node.name,
              role: node.role,
              tags: effective.get(node.id) ?? [],
            }),
          );
        }
      }
      return { nodes: nodeRows, clusters: clusterRows, tags };
    });
  }
}
