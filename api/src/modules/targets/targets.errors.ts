import { ValidationError } from '../../shared/domain-error.ts';

export class InvalidTargetError extends ValidationError {
  constructor(message: string) {
    super('INVALID_TARGET', message, 'target');
  }
}
