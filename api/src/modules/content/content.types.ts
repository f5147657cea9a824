// What other modules may know of content: its row types (its tables and repository are its own).
export type { ContentItemRow, ContentKind } from './content.table.ts';
