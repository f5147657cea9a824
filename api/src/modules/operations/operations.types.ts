/** The operations module's row and value types, for other modules: they import these, never its table. */
export type { OperationKind, OperationRow, OperationState, StepRow, StepState } from './operations.table.ts';
