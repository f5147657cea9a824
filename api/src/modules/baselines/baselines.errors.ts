import { ValidationError } from '../../shared/domain-error.ts';

/** A baseline lists two items that would be installed under one file name. */
export class DuplicateItemNameError extends ValidationError {
  constructor(kind: string, name: string) {
    super('INVALID_ARGUMENT', `The baseline lists two ${kind.toLowerCase()} items named "${name}"; a node can have only one. Keep one version.`, 'itemIds');
  }
}
