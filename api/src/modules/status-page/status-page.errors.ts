import { ConflictError, ValidationError } from '../../shared/domain-error.ts';
import { InvalidTargetError } from '../targets/targets.errors.ts';

/** The public name, title or message is empty, too long, or holds characters a page cannot show plainly. */
export class PublicTextError extends ValidationError {
  constructor(field: string, message: string) {
    super(field === 'name' ? 'INVALID_NAME' : 'INVALID_ARGUMENT', message, field);
  }
}

/** A component covers clusters or tags; anything else has no meaning the public could be told. */
export class ComponentTargetError extends InvalidTargetError {}

/** A resolved incident is closed: a new problem is a new incident. */
export class IncidentResolvedError extends ConflictError {
  constructor() {
    super('INVALID_STATE', 'The incident is resolved; publish a new incident for a new problem.');
  }
}
