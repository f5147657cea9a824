/** The nodes module's row and value types, for other modules: they import these, never its table. */
export type { NodeRole, NodeRow } from './nodes.table.ts';
