import { counted } from '@opscenter/agent/shared/text';
import { ValidationError } from '../../shared/domain-error.ts';

export class BatchTooLargeError extends ValidationError {
  constructor(size: number, max: number) {
    super('BATCH_TOO_LARGE', `A heartbeat batch may carry at most ${counted(max, 'entry', 'entries')} (got ${size}); split it.`, 'entries');
  }
}

/** Why one entry of a batch was refused; the rest of the batch is still applied. */
export const REFUSAL_CODES = {
  UNKNOWN_NODE: 'No such node in the manager’s cluster (a node of another cluster is refused the same way); report membership first.',
  DUPLICATE_ENTRY: 'The node appears more than once in the batch.',
  INVALID_ENTRY: 'The entry is malformed (name and id, or stats out of range).',
} as const;
export type RefusalCode = keyof typeof REFUSAL_CODES;
