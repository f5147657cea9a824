import { counted } from '@opscenter/agent/shared/text';
import { ValidationError } from '../../shared/domain-error.ts';

export class InventoryTooLargeError extends ValidationError {
  constructor(what: string, max: number, noun: string, field: string) {
    super('BATCH_TOO_LARGE', `${what} may carry at most ${counted(max, noun)}; split the report.`, field);
  }
}

export class DuplicateInventoryEntryError extends ValidationError {
  constructor(what: string, field: string) {
    super('INVALID_ARGUMENT', `The inventory report lists ${what} more than once.`, field);
  }
}
