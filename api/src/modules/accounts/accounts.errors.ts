import { ConflictError, CredentialError, ValidationError } from '../../shared/domain-error.ts';

export class LoginFailedError extends CredentialError {
  constructor() {
    super('LOGIN_FAILED', 'Wrong username or password, or the account is disabled.');
  }
}

export class InvalidPasswordError extends ValidationError {
  constructor(reason: string) {
    super('INVALID_PASSWORD', reason, 'password');
  }
}

export class UsernameTakenError extends ConflictError {
  constructor(username: string) {
    super('NAME_TAKEN', `A user named "${username}" already exists.`);
  }
}

export class LastAdminError extends ConflictError {
  constructor() {
    super('LAST_ADMIN', 'This would leave the OC without an active admin; make another user admin first.');
  }
}

export class RoleTooHighError extends ValidationError {
  constructor() {
    super('INVALID_ROLE', 'A token cannot have a higher role than the user who creates it.', 'role');
  }
}

export class SessionRequiredError extends CredentialError {
  constructor() {
    super('SESSION_REQUIRED', 'API tokens are created from a login session, not with another API token: log in, then create the token.');
  }
}
