import { ConflictError } from '../../shared/domain-error.ts';

export class StaleCommandReportError extends ConflictError {
  constructor(commandId: string, epoch: number, current: number) {
    super('CONFLICT', `Command ${commandId} is at epoch ${current}, not ${epoch}; the report is ignored.`);
  }
}
