import { CredentialError } from '../../shared/domain-error.ts';

export class EnrollmentTokenInvalidError extends CredentialError {
  constructor() {
    super('TOKEN_INVALID', 'The enrollment token is not valid: unknown, already used, expired, or issued for another cluster. Ask an admin for a new one.');
  }
}

export class EnrollmentTokenUsedError extends CredentialError {
  constructor() {
    super('TOKEN_USED', 'The enrollment token was already used; each token enrolls one manager. Ask an admin for a new one.');
  }
}

export class EnrollmentTokenExpiredError extends CredentialError {
  constructor() {
    super('TOKEN_EXPIRED', 'The enrollment token has expired; ask an admin for a new one.');
  }
}

export class EnrollmentClusterMismatchError extends CredentialError {
  constructor(cluster: string) {
    super('TOKEN_CLUSTER_MISMATCH', `The enrollment token was not issued for cluster "${cluster}".`);
  }
}
