import { ValidationError } from '../../shared/domain-error.ts';

export class InvalidChannelError extends ValidationError {
  constructor(message: string, field: string) {
    super('INVALID_ARGUMENT', message, field);
  }
}
