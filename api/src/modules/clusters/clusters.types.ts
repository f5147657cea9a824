/** The clusters module's row and value types, for other modules: they import these, never its table. */
export type { ClusterRow } from './clusters.table.ts';
