import { ConflictError, ValidationError } from '../../shared/domain-error.ts';

export class NodeIsManagerError extends ConflictError {
  constructor(name: string) {
    super('NODE_IS_MANAGER', `${name} is its cluster's manager; delete the cluster or register another manager instead.`);
  }
}

export class DuplicateNodeError extends ValidationError {
  constructor(name: string) {
    super('INVALID_ARGUMENT', `The membership report lists "${name}" more than once.`, 'nodes');
  }
}

export class ManagerNameTakenError extends ConflictError {
  constructor(name: string) {
    super('NAME_TAKEN', `A worker named "${name}" already exists in this cluster; a manager needs its own name.`);
  }
}
