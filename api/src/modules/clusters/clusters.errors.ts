import { ConflictError } from '../../shared/domain-error.ts';

export class ClusterNameTakenError extends ConflictError {
  constructor(name: string) {
    super('NAME_TAKEN', `A cluster named "${name}" already exists.`);
  }
}
