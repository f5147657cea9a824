import { hash, verify } from '@node-rs/argon2';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { type Actor, type RequestMeta, roleAtLeast } from '../../shared/actor.ts';
import { NotFoundError, RateLimitedError, ValidationError } from '../../shared/domain-error.ts';
import { hashToken, newToken, randomPassword } from '../../shared/secrets.ts';
import type { Transactor } from '../../shared/transactor.ts';
import { validateId, validateName, validateText } from '../../shared/validation.ts';
import type { Lock, ThrottleService } from '../throttle/throttle.service.ts';
import { InvalidPasswordError, LastAdminError, LoginFailedError, RoleTooHighError, SessionRequiredError, UsernameTakenError } from './accounts.errors.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import type { ApiTokenRow, Role, UserRow } from './accounts.table.ts';

const PASSWORD_MIN = 12;
const PASSWORD_MAX = 256;
/** Verified against when the user does not exist, so a login takes as long either way. */
const DUMMY_HASH = await hash('opscenter-timing-equaliser');

export interface AccountsOptions {
  sessionTtlMs: number;
  apiTokenMaxLifetimeMs: number;
}

const DAY_MS = 86_400_000;

/**
 * What stopped being valid: one session, one API token, or a user's sessions (but
 * `exceptSessionId`, the one that changed its password) and, with `tokensToo`, their API tokens.
 */
export interface Revocation {
  sessionId?: string;
  tokenId?: string;
  userId?: string;
  exceptSessionId?: string;
  tokensToo?: boolean;
}

/** Called when credentials stop being valid, so open sockets authenticated with them can be closed. */
export type RevocationListener = (revoked: Revocation) => void;

/** Whether a revocation ends the credentials an actor authenticated with. */
export function revokes(revocation: Revocation, actor: Actor): boolean {
  if (actor.type === 'USER') {
    return actor.sessionId === revocation.sessionId || (actor.userId === revocation.userId && actor.sessionId !== revocation.exceptSessionId);
  }
  if (actor.type === 'API_TOKEN') {
    return actor.tokenId === revocation.tokenId || (actor.userId === revocation.userId && revocation.tokensToo === true);
  }
  return false;
}

function checkPassword(password: string): string {
  if (password.length < PASSWORD_MIN) throw new InvalidPasswordError(`The password must be at least ${PASSWORD_MIN} characters.`);
  if (password.length > PASSWORD_MAX) throw new InvalidPasswordError(`The password must be at most ${PASSWORD_MAX} characters.`);
  return password;
}

export class AccountsService {
  /** Credentials seen recently; revocations evict them here, so the cache never outlives them. */
  #actors = new LRUCache<string, Actor & { expiresAt: number }>({ max: 10_000, ttl: 10_000 });
  #revocationListeners: RevocationListener[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: AccountsRepository,
    private readonly transactor: Transactor,
    private readonly throttle: ThrottleService,
    private readonly clock: Clock,
    private readonly options: AccountsOptions,
    private readonly logger: Logger,
  ) {}

  onRevoked(listener: RevocationListener): void {
    this.#revocationListeners.push(listener);
  }

  /**
   * On first start with an empty database, creates `admin`: with the supplied password, or a
   * generated one that is returned to be shown once (a supplied one is never shown).
   */
  async bootstrapAdmin(suppliedPassword?: string): Promise<{ created: boolean; generatedPassword: string | null }> {
    if ((await this.repository.countUsers(this.db)) > 0) return { created: false, generatedPassword: null };
    const password = suppliedPassword ?? randomPassword();
    await this.repository.insertUser(this.db, { username: 'admin', passwordHash: await hash(checkPassword(password)), role: 'ADMIN' });
    return { created: true, generatedPassword: suppliedPassword ? null : password };
  }

  /** Exchanges a password for a session; repeated failures lock the user name and the address for a while (see ThrottleService). */
  async login(meta: RequestMeta, username: string, password: string) {
    const address = meta.clientAddress ?? 'unknown';
    const wait = await this.throttle.loginRetryAfter(username, address);
    if (wait !== null) throw new RateLimitedError(wait, 'failed logins for this user or from this address');
    try {
      const session = await this.transactor.run(meta, { action: 'login', targetType: 'user', args: { username } }, async (work) => {
        const user = await this.repository.findUserByName(work.tx, username);
        const valid = await verify(user?.passwordHash ?? DUMMY_HASH, password);
        if (!user || !valid || user.disabled) throw new LoginFailedError();
        work.target(user.id);
        const token = newToken('session');
        const expiresAt = new Date(this.clock.now().getTime() + this.options.sessionTtlMs);
        await this.repository.insertSession(work.tx, { userId: user.id, tokenHash: hashToken(token), expiresAt });
        return { token, user, expiresAt };
      });
      await this.throttle.loginSucceeded(username);
      return session;
    } catch (error) {
      if (error instanceof LoginFailedError) await this.#auditLocks(meta, await this.throttle.loginFailed(username, address));
      throw error;
    }
  }

  async logout(meta: RequestMeta): Promise<boolean> {
    const actor = meta.actor;
    if (actor.type !== 'USER') return false;
    await this.transactor.run(meta, { action: 'logout', targetType: 'user', targetId: actor.userId }, async (work) => {
      await this.repository.revokeSession(work.tx, actor.sessionId, this.clock.now());
    });
    this.#revoked({ sessionId: actor.sessionId });
    return true;
  }

  async authenticateSession(token: string): Promise<Actor | null> {
    const cached = this.#cached(token);
    if (cached !== undefined) return cached;
    const found = await this.repository.findSession(this.db, hashToken(token));
    const now = this.clock.now();
    if (!found || found.session.revokedAt || found.session.expiresAt <= now || found.user.disabled) return null;
    const actor: Actor = { type: 'USER', userId: found.user.id, name: found.user.username, role: found.user.role, sessionId: found.session.id };
    this.#actors.set(token, { ...actor, expiresAt: found.session.expiresAt.getTime() });
    return actor;
  }

  async authenticateApiToken(token: string): Promise<Actor | null> {
    const cached = this.#cached(token);
    if (cached !== undefined) return cached;
    const found = await this.repository.findApiToken(this.db, hashToken(token));
    const now = this.clock.now();
    if (!found || found.token.revokedAt || (found.token.expiresAt && found.token.expiresAt <= now) || found.user.disabled) return null;
    // A token never carries more than its owner currently has.
    const role = roleAtLeast(found.user.role, found.token.role) ? found.token.role : found.user.role;
    const actor: Actor = { type: 'API_TOKEN', userId: found.user.id, name: `${found.user.username}/${found.token.name}`, role, tokenId: found.token.id };
    this.#actors.set(token, { ...actor, expiresAt: found.token.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY });
    return actor;
  }

  async createUser(meta: RequestMeta, input: { username: string; role: Role; password?: string | null }) {
    const username = validateName(input.username, 'username');
    const password = input.password ? checkPassword(input.password) : randomPassword();
    return this.transactor.run(meta, { action: 'user.create', targetType: 'user', args: { username, role: input.role } }, async (work) => {
      if (await this.repository.findUserByName(work.tx, username)) throw new UsernameTakenError(username);
      const user = await this.repository.insertUser(work.tx, { username, role: input.role, passwordHash: await hash(password) });
      work.target(user.id);
      return { user, password: input.password ? null : password };
    });
  }

  async setUserRole(meta: RequestMeta, userId: string, role: Role): Promise<UserRow> {
    const id = validateId(userId, 'userId');
    const user = await this.transactor.run(meta, { action: 'user.setRole', targetType: 'user', targetId: id, args: { role } }, async (work) => {
      const current = await this.#requireUser(work.tx, id);
      if (current.role === 'ADMIN' && role !== 'ADMIN' && !current.disabled && (await this.repository.countActiveAdmins(work.tx)) <= 1)
        throw new LastAdminError();
      return (await this.repository.updateUser(work.tx, id, { role })) as UserRow;
    });
    // Not revoked, but sockets and caches holding the old role must authenticate again.
    this.#revoked({ userId: id, tokensToo: true });
    return user;
  }

  async setUserDisabled(meta: RequestMeta, userId: string, disabled: boolean): Promise<UserRow> {
    const id = validateId(userId, 'userId');
    const action = disabled ? 'user.disable' : 'user.enable';
    const user = await this.transactor.run(meta, { action, targetType: 'user', targetId: id }, async (work) => {
      const current = await this.#requireUser(work.tx, id);
      if (disabled && current.role === 'ADMIN' && !current.disabled && (await this.repository.countActiveAdmins(work.tx)) <= 1) throw new LastAdminError();
      if (disabled) {
        // Off-boarding is final for credentials: enabling the account again brings none of them back.
        await this.repository.revokeSessionsOfUser(work.tx, id, this.clock.now());
        await this.repository.revokeApiTokensOfUser(work.tx, id, this.clock.now());
      }
      return (await this.repository.updateUser(work.tx, id, { disabled })) as UserRow;
    });
    if (disabled) this.#revoked({ userId: id, tokensToo: true });
    return user;
  }

  /** Sets a new random password (or the given one); every session and API token of the user ends. */
  async resetPassword(meta: RequestMeta, username: string, newPassword?: string): Promise<{ user: UserRow; password: string }> {
    const password = newPassword ? checkPassword(newPassword) : randomPassword();
    const result = await this.transactor.run(meta, { action: 'user.resetPassword', targetType: 'user', args: { username } }, async (work) => {
      const user = await this.repository.findUserByName(work.tx, username);
      if (!user) throw new NotFoundError('user', username);
      work.target(user.id);
      const now = this.clock.now();
      await this.repository.revokeSessionsOfUser(work.tx, user.id, now);
      await this.repository.revokeApiTokensOfUser(work.tx, user.id, now);
      const updated = await this.repository.updateUser(work.tx, user.id, { passwordHash: await hash(password), passwordChangedAt: now });
      return { user: updated as UserRow, password };
    });
    this.#revoked({ userId: result.user.id, tokensToo: true });
    return result;
  }

  /** Changes your own password; every other session of yours ends (this one goes on), API tokens stay. */
  async changePassword(meta: RequestMeta, currentPassword: string, newPassword: string): Promise<UserRow> {
    const actor = meta.actor;
    if (actor.type !== 'USER') throw new ValidationError('INVALID_ARGUMENT', 'Only a logged-in user can change their password.');
    checkPassword(newPassword);
    const address = meta.clientAddress ?? 'unknown';
    const wait = await this.throttle.loginRetryAfter(actor.name, address);
    if (wait !== null) throw new RateLimitedError(wait, 'wrong passwords for this user or from this address');
    try {
      const user = await this.transactor.run(meta, { action: 'user.changePassword', targetType: 'user', targetId: actor.userId }, async (work) => {
        const current = await this.#requireUser(work.tx, actor.userId);
        if (!(await verify(current.passwordHash, currentPassword))) throw new LoginFailedError();
        const now = this.clock.now();
        await this.repository.revokeSessionsOfUser(work.tx, current.id, now, actor.sessionId);
        return (await this.repository.updateUser(work.tx, current.id, { passwordHash: await hash(newPassword), passwordChangedAt: now })) as UserRow;
      });
      this.#revoked({ userId: actor.userId, exceptSessionId: actor.sessionId });
      return user;
    } catch (error) {
      if (error instanceof LoginFailedError) await this.#auditLocks(meta, await this.throttle.loginFailed(actor.name, address));
      throw error;
    }
  }

  /**
   * Creates an API token from a login session (never from another token, so no token outlives the
   * session rules). It expires within the configured maximum lifetime, by default at it.
   */
  async createApiToken(meta: RequestMeta, input: { name: string; role?: Role | null; expiresInDays?: number | null }) {
    const actor = meta.actor;
    if (actor.type !== 'USER') throw new SessionRequiredError();
    const name = validateText(input.name.trim(), 'name', 100);
    if (name.length === 0) throw new ValidationError('INVALID_NAME', 'The token needs a name.', 'name');
    const role = input.role ?? actor.role;
    if (!roleAtLeast(actor.role, role)) throw new RoleTooHighError();
    const maxDays = Math.floor(this.options.apiTokenMaxLifetimeMs / DAY_MS);
    const days = input.expiresInDays;
    if (days !== null && days !== undefined && (!Number.isInteger(days) || days < 1 || days > maxDays))
      throw new ValidationError(
        'INVALID_ARGUMENT',
        `expiresInDays must be a whole number of days from 1 to ${maxDays} (the longest an API token may live).`,
        'expiresInDays',
      );
    const lifetimeMs = days ? days * DAY_MS : this.options.apiTokenMaxLifetimeMs;
    const expiresAt = new Date(this.clock.now().getTime() + lifetimeMs);
    return this.transactor.run(meta, { action: 'apiToken.create', targetType: 'apiToken', args: { name, role, expiresInDays: days } }, async (work) => {
      const token = newToken('apiToken');
      const row = await this.repository.insertApiToken(work.tx, { userId: actor.userId, name, role, tokenHash: hashToken(token), expiresAt });
      work.target(row.id);
      return { token, apiToken: row };
    });
  }

  /** A person may revoke their own tokens; an admin may revoke anyone's. */
  async revokeApiToken(meta: RequestMeta, tokenId: string): Promise<ApiTokenRow> {
    const id = validateId(tokenId, 'id');
    const actor = meta.actor;
    const row = await this.transactor.run(meta, { action: 'apiToken.revoke', targetType: 'apiToken', targetId: id }, async (work) => {
      const token = await this.repository.findApiTokenById(work.tx, id);
      const isAdmin = (actor.type === 'USER' || actor.type === 'API_TOKEN') && actor.role === 'ADMIN';
      const owns = (actor.type === 'USER' || actor.type === 'API_TOKEN') && token?.userId === actor.userId;
      if (!token || (!owns && !isAdmin)) throw new NotFoundError('API token', id);
      await this.repository.revokeApiToken(work.tx, id, this.clock.now());
      return { ...token, revokedAt: token.revokedAt ?? this.clock.now() };
    });
    this.#revoked({ tokenId: id });
    return row;
  }

  listUsers(): Promise<UserRow[]> {
    return this.repository.listUsers(this.db);
  }

  findUser(id: string): Promise<UserRow | undefined> {
    return this.repository.findUser(this.db, id);
  }

  listApiTokens(userId?: string): Promise<ApiTokenRow[]> {
    return this.repository.listApiTokens(this.db, userId);
  }

  async #requireUser(tx: Parameters<AccountsRepository['findUser']>[0], id: string): Promise<UserRow> {
    const user = await this.repository.findUser(tx, id);
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  #cached(token: string): Actor | null | undefined {
    const cached = this.#actors.get(token);
    if (!cached) return undefined;
    if (cached.expiresAt <= this.clock.now().getTime()) {
      this.#actors.delete(token);
      return null;
    }
    const { expiresAt: _expiresAt, ...actor } = cached;
    return actor;
  }

  /** Each lock is audited once, when it starts, in a row of its own. */
  async #auditLocks(meta: RequestMeta, locks: Lock[]): Promise<void> {
    for (const lock of locks) {
      await this.transactor.recordOutcome(
        { actor: meta.actor, requestId: meta.requestId, clientAddress: meta.clientAddress },
        { action: 'login.lockout', targetType: 'throttle', args: { ...lock.subject, lockouts: lock.lockouts, seconds: lock.seconds } },
        'DENIED',
        'RATE_LIMITED',
        `locked for ${lock.seconds} s`,
      );
    }
  }

  #revoked(revocation: Revocation): void {
    for (const [token, actor] of this.#actors.entries()) if (revokes(revocation, actor)) this.#actors.delete(token);
    for (const listener of this.#revocationListeners) listener(revocation);
    this.logger.debug(revocation, 'credentials revoked');
  }
}
