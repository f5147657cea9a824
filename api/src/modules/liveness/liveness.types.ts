/** The liveness module's row and value types, for other modules: they import these, never its table. */
export type { LivenessRow, NodeStatsRow, NodeStatus, ReportedState, StatusCause, StatusHistoryRow } from './liveness.table.ts';
