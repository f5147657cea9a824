import type { Database } from '../../db/client.ts';
import type { JudgedRow, LivenessRepository } from './liveness.repository.ts';

export interface ClusterInfoRow {
  id: string;
  name: string;
  productKind: string;
  managerNodeId: string | null;
}

export interface NodeIdentity {
  nodeId: string;
  nodeName: string;
  role: 'MANAGER' | 'WORKER';
  clusterId: string;
}

export type TrackedRow = NodeIdentity & Omit<JudgedRow, 'nodeId'>;

/**
 * Where liveness reads the clusters and nodes it tracks. The clusters and nodes modules sit above
 * liveness (they show its statuses), so the composition root hands this in.
 */
export interface TopologySource {
  clusters(clusterId?: string): Promise<ClusterInfoRow[]>;
  nodes(clusterId?: string): Promise<NodeIdentity[]>;
}

/** Reads back what liveness tracks: the topology with each judged node's stored status. */
export class TopologyReader {
  constructor(
    private readonly db: Database,
    private readonly source: TopologySource,
    private readonly repository: LivenessRepository,
  ) {}

  clusters(clusterId?: string): Promise<ClusterInfoRow[]> {
    return this.source.clusters(clusterId);
  }

  /** Every node whose liveness is judged (all but those that left), optionally of one cluster. */
  async tracked(clusterId?: string): Promise<TrackedRow[]> {
    const nodes = await this.source.nodes(clusterId);
    const judged = new Map((await this.repository.judged(this.db, clusterId ? nodes.map((node) => node.nodeId) : null)).map((row) => [row.nodeId, row]));
    return nodes.flatMap((node) => {
      const row = judged.get(node.nodeId);
      return row ? [{ ...row, ...node }] : [];
    });
  }
}
