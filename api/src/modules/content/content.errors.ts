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

/** A manager asked for content that no unfinished deploy command of its cluster names. */
export class DownloadNotCommandedError extends DomainError {
  constructor() {
    super('FORBIDDEN', 'A manager may download only content that an unfinished DEPLOY command of its own cluster names.');
  }
}

export class ContentInUseError extends ConflictError {
  constructor(item: string, baselines: string[], deployments: string[]) {
    const listed = baselines.length
      ? `${item} is listed by the baseline${baselines.length === 1 ? '' : 's'} ${baselines.map((name) => `"${name}"`).join(', ')}; remove it from them first.`
      : '';
    const deploying = deployments.length
      ? `${item} is being deployed by the unfinished operation${deployments.length === 1 ? '' : 's'} ${deployments.join(', ')}; wait for ${deployments.length === 1 ? 'it' : 'them'} to end.`
      : '';
    super('CONTENT_IN_USE', [listed, deploying].filter(Boolean).join(' '));
  }
}
