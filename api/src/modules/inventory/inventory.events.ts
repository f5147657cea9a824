import { type TopologyEvent, topologyEvent } from '../../shared/topology-events.ts';
import type { ClusterRow } from '../clusters/clusters.types.ts';
import type { NodeRow } from '../nodes/nodes.types.ts';

/** A node's inventory changed: an item was installed, changed, removed, loaded or unloaded, or its tenants changed. */
export function inventoryChanged(cluster: ClusterRow, node: NodeRow, tags: string[]): TopologyEvent {
  return topologyEvent('INVENTORY_CHANGED', { clusterId: cluster.id, clusterName: cluster.name, nodeId: node.id, nodeName: node.name, role: node.role, tags });
}
