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

export class BaselineConflictError extends ConflictError {
  constructor(conflicts: string[]) {
    const shown = conflicts.slice(0, 5).join('; ');
    super('BASELINE_CONFLICT', `Baselines conflict, so nothing was started: ${shown}${conflicts.length > 5 ? ` and ${conflicts.length - 5} more` : ''}.`);
  }
}

export class NothingToDeployError extends ConflictError {
  constructor() {
    super('NOTHING_TO_DEPLOY', 'Nothing to deploy: every worker of the target already has what it must have.');
  }
}
