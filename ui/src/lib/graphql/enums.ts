import type { graphql } from './graphql';

export type NodeStatus = ReturnType<typeof graphql.scalar<'NodeStatus'>>;
export type ClusterHealth = ReturnType<typeof graphql.scalar<'ClusterHealth'>>;
export type StatusCause = ReturnType<typeof graphql.scalar<'StatusCause'>>;
export type NodeRole = ReturnType<typeof graphql.scalar<'NodeRole'>>;
export type Role = ReturnType<typeof graphql.scalar<'Role'>>;
export type TopologyChangeKind = ReturnType<typeof graphql.scalar<'TopologyChangeKind'>>;
export type OperationState = ReturnType<typeof graphql.scalar<'OperationState'>>;
export type OperationKind = ReturnType<typeof graphql.scalar<'OperationKind'>>;
export type StepState = ReturnType<typeof graphql.scalar<'StepState'>>;
export type DowntimeKind = ReturnType<typeof graphql.scalar<'DowntimeKind'>>;
export type ScheduleRunState = ReturnType<typeof graphql.scalar<'ScheduleRunState'>>;
export type OverlapPolicy = ReturnType<typeof graphql.scalar<'OverlapPolicy'>>;
export type ContentKind = ReturnType<typeof graphql.scalar<'ContentKind'>>;
export type DriftState = ReturnType<typeof graphql.scalar<'DriftState'>>;
export type StatusIncidentState = ReturnType<typeof graphql.scalar<'StatusIncidentState'>>;
