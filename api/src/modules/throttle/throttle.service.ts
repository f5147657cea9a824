import { type IRateLimiterStoreOptions, type RateLimiterAbstract, RateLimiterDrizzle, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { ThrottleRepository } from './throttle.repository.ts';

export interface ThrottleOptions {
  /** Where counters live: in this process on the embedded database, in PostgreSQL on a server (so OC replicas share them). */
  store: 'memory' | 'postgres';
  /** Failed logins for one user name within the window before it is locked. */
  loginFailuresPerUser: number;
  /** Failed logins from one address within the window before it is locked. */
  loginFailuresPerAddress: number;
  loginWindowSeconds: number;
  /** The first lock's length; each further lock within a day doubles it, up to the maximum. */
  lockSeconds: number;
  maxLockSeconds: number;
  anonymousMutationsPerMinute: number;
}

export const DEFAULT_THROTTLE: Omit<ThrottleOptions, 'store' | 'anonymousMutationsPerMinute'> = {
  loginFailuresPerUser: 10,
  loginFailuresPerAddress: 50,
  loginWindowSeconds: 15 * 60,
  lockSeconds: 60,
  maxLockSeconds: 3600,
};

const DAY_SECONDS = 86_400;
const PRUNE_INTERVAL_MS = 10 * 60_000;

/** A lock that just started: what it is on, and for how long. The caller audits it, once. */
export interface Lock {
  subject: { username: string } | { address: string };
  /** How many locks this key has had within a day, this one included. */
  lockouts: number;
  seconds: number;
}

/**
 * Slows guessing down: failed logins per user name and per client address lock that key for a
 * while, longer each time; calls without credentials are counted per address.
 */
export class ThrottleService {
  readonly #loginFailures: { user: RateLimiterAbstract; address: RateLimiterAbstract };
  readonly #locks: RateLimiterAbstract;
  readonly #anonymous: RateLimiterAbstract;
  #pruning: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly repository: ThrottleRepository,
    private readonly options: ThrottleOptions,
    private readonly logger: Logger,
  ) {
    const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
      const settings: IRateLimiterStoreOptions = { keyPrefix, points, duration, storeClient: db };
      return options.store === 'postgres'
        ? new RateLimiterDrizzle({ ...settings, schema: repository.table, clearExpiredByTimeout: false } as never)
        : new RateLimiterMemory({ keyPrefix, points, duration });
    };
    this.#loginFailures = {
      user: limiter('login_user', options.loginFailuresPerUser, options.loginWindowSeconds),
      address: limiter('login_address', options.loginFailuresPerAddress, options.loginWindowSeconds),
    };
    this.#locks = limiter('login_locks', 1_000_000, DAY_SECONDS);
    this.#anonymous = limiter('anonymous_address', options.anonymousMutationsPerMinute, 60);
  }

  start(): void {
    if (this.options.store !== 'postgres') return;
    this.#pruning = setInterval(() => {
      this.repository.pruneExpired(this.db, new Date(Date.now() - 3_600_000)).catch((error) => this.logger.warn({ err: error }, 'could not prune rate limits'));
    }, PRUNE_INTERVAL_MS);
    this.#pruning.unref();
  }

  stop(): void {
    if (this.#pruning) clearInterval(this.#pruning);
  }

  /** Seconds until a login for this user from this address may be tried again; null when it may be tried now. */
  async loginRetryAfter(username: string, address: string): Promise<number | null> {
    const waits = await Promise.all([
      this.#retryAfter(this.#loginFailures.user, userKey(username), this.options.loginFailuresPerUser),
      this.#retryAfter(this.#loginFailures.address, address, this.options.loginFailuresPerAddress),
    ]);
    const longest = Math.max(...waits.map((wait) => wait ?? 0));
    return longest > 0 ? longest : null;
  }

  /** Counts a failed login; returns the locks it started (a key that reached its limit). */
  async loginFailed(username: string, address: string): Promise<Lock[]> {
    const locks = [
      await this.#fail(this.#loginFailures.user, userKey(username), { username }),
      await this.#fail(this.#loginFailures.address, address, { address }),
    ];
    return locks.filter((lock): lock is Lock => lock !== null);
  }

  /** A successful login clears the user's failures (not the address's: one right password does not vouch for the rest). */
  async loginSucceeded(username: string): Promise<void> {
    await this.#loginFailures.user.delete(userKey(username));
  }

  /**
   * Counts `calls` mutation fields called without credentials from an address. Over the limit:
   * the seconds to wait, and whether this call is the one that crossed it (to audit the lock once).
   */
  async anonymousCalls(address: string, calls: number): Promise<{ retryAfter: number; lockStarted: boolean } | null> {
    try {
      await this.#anonymous.consume(address, calls);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return {
        retryAfter: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        lockStarted: rejection.consumedPoints - calls <= this.options.anonymousMutationsPerMinute,
      };
    }
  }

  get anonymousMutationsPerMinute(): number {
    return this.options.anonymousMutationsPerMinute;
  }

  async #retryAfter(limiter: RateLimiterAbstract, key: string, points: number): Promise<number | null> {
    const state = await limiter.get(key);
    return state && state.consumedPoints > points && state.msBeforeNext > 0 ? Math.ceil(state.msBeforeNext / 1000) : null;
  }

  async #fail(limiter: RateLimiterAbstract, key: string, subject: Lock['subject']): Promise<Lock | null> {
    const state = await limiter.penalty(key, 1);
    // Only the failure that reaches the limit locks; attempts already under way when it did add nothing.
    if (state.consumedPoints !== limiter.points) return null;
    const lockouts = (await this.#locks.penalty(`${limiter.keyPrefix}:${key}`, 1)).consumedPoints;
    const seconds = Math.min(this.options.lockSeconds * 2 ** (lockouts - 1), this.options.maxLockSeconds);
    await limiter.block(key, seconds);
    this.logger.warn({ ...subject, lockouts, seconds }, 'too many failed logins; locked');
    return { subject, lockouts, seconds };
  }
}

/** User names are matched exactly at login, but varying their case must not escape the count. */
function userKey(username: string): string {
  return username.toLowerCase();
}
