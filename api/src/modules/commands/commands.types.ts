/** The commands module's row and value types, for other modules: they import these, never its table. */
export type { CommandKind, CommandRow, CommandSpec, CommandState } from './commands.table.ts';
