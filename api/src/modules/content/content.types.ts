/** The content module's row and value types, for other modules: they import these, never its table. */
export type { ContentItemRow, ContentKind } from './content.table.ts';
