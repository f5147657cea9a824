import { ConflictError } from '../../shared/domain-error.ts';

export class IdempotencyKeyReusedError extends ConflictError {
  constructor(key: string) {
    super('IDEMPOTENCY_KEY_REUSED', `The idempotency key "${key}" was already used for a different operation; use a new key for a new request.`);
  }
}

export class OperationStateError extends ConflictError {
  constructor(action: string, state: string) {
    super('INVALID_STATE', `Cannot ${action} an operation that is ${state}.`);
  }
}
