import { graphql } from './graphql';

export type NodeStatus = ReturnType<typeof graphql.scalar<'NodeStatus'>>;
export type ClusterHealth = ReturnType<typeof graphql.scalar<'ClusterHealth'>>;
export type StatusCause = ReturnType<typeof graphql.scalar<'StatusCause'>>;
export type NodeRole = ReturnType<typeof graphql.scalar<'NodeRole'>>;
export type Role = ReturnType<typeof graphql.scalar<'Role'>>;
export type TopologyChangeKind = ReturnType<typeof graphql.scalar<'TopologyChangeKind'>>;
