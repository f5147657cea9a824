import { ValidationError } from '../../shared/domain-error.ts';

export class InvalidTagError extends ValidationError {
  constructor(message: string) {
    super('INVALID_TAG', message, 'tags');
  }
}
