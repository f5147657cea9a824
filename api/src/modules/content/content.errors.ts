import { ConflictError, DomainError } from '../../shared/domain-error.ts';

export class ContentTooLargeError extends DomainError {
  constructor(readonly maxBytes: number) {
    super('CONTENT_TOO_LARGE', `The upload is larger than the ${maxBytes} bytes the OC accepts (setting OPSCENTER_MAX_UPLOAD_BYTES).`);
  }
}

export class ContentExistsError extends ConflictError {
  constructor(kind: string, name: string, version: string) {
    super('CONTENT_EXISTS', `${kind} ${name} version ${version} is already uploaded with other content; upload it as a new version.`);
  }
}

export class ContentInUseError extends ConflictError {
  constructor(item: string, baselines: string[]) {
    super(
      'CONTENT_IN_USE',
      `${item} is listed by the baseline${baselines.length === 1 ? '' : 's'} ${baselines.map((name) => `"${name}"`).join(', ')}; remove it from them first.`,
    );
  }
}
