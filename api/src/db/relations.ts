import { defineRelations } from 'drizzle-orm';
import * as schema from './schema.ts';

export const relations = defineRelations(schema, (r) => ({
  clusters: {
    nodes: r.many.nodes({ from: r.clusters.id, to: r.nodes.clusterId }),
    manager: r.one.nodes({ from: r.clusters.managerNodeId, to: r.nodes.id }),
    tags: r.many.clusterTags({ from: r.clusters.id, to: r.clusterTags.clusterId }),
  },
  nodes: {
    cluster: r.one.clusters({ from: r.nodes.clusterId, to: r.clusters.id, optional: false }),
    liveness: r.one.nodeLiveness({ from: r.nodes.id, to: r.nodeLiveness.nodeId }),
    tags: r.many.nodeTags({ from: r.nodes.id, to: r.nodeTags.nodeId }),
  },
  nodeStatusHistory: {
    node: r.one.nodes({ from: r.nodeStatusHistory.nodeId, to: r.nodes.id, optional: false }),
  },
  users: {
    apiTokens: r.many.apiTokens({ from: r.users.id, to: r.apiTokens.userId }),
  },
  apiTokens: {
    user: r.one.users({ from: r.apiTokens.userId, to: r.users.id, optional: false }),
  },
}));

export type Relations = typeof relations;
