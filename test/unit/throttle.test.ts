import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../api/src/db/client.ts';
import { createLogger } from '../../api/src/logger.ts';
import { ThrottleRepository } from '../../api/src/modules/throttle/throttle.repository.ts';
import { DEFAULT_THROTTLE, ThrottleService } from '../../api/src/modules/throttle/throttle.service.ts';

describe('login throttling', () => {
  let throttle: ThrottleService;
  let locks: number[];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T00:00:00Z'));
    locks = [];
    throttle = new ThrottleService(
      {} as Database,
      new ThrottleRepository(),
      { ...DEFAULT_THROTTLE, store: 'memory', anonymousMutationsPerMinute: 60 },
      createLogger({ level: 'silent', format: 'json' }),
    );
  });
  afterEach(() => vi.useRealTimers());

  const failTimes = async (count: number, address = '10.0.0.1') => {
    for (let attempt = 0; attempt < count; attempt += 1) locks.push(...(await throttle.loginFailed('admin', address)).map((lock) => lock.seconds));
  };

  it('locks a user name at its tenth failure, for longer each time within a day', async () => {
    await failTimes(9);
    expect(await throttle.loginRetryAfter('admin', '10.0.0.2')).toBeNull();
    await failTimes(1);
    expect(await throttle.loginRetryAfter('admin', '10.0.0.2')).toBe(60);
    vi.setSystemTime(Date.now() + 61_000);
    expect(await throttle.loginRetryAfter('admin', '10.0.0.2')).toBeNull();
    await failTimes(10);
    expect(await throttle.loginRetryAfter('Admin', '10.0.0.2')).toBe(120);
    vi.setSystemTime(Date.now() + 121_000);
    await failTimes(10);
    expect(await throttle.loginRetryAfter('admin', '10.0.0.2')).toBe(240);
    expect(locks).toEqual([60, 120, 240]);
  });

  it('locks an address after fifty failures whatever the user names, and a success clears only the user', async () => {
    for (let attempt = 0; attempt < 50; attempt += 1) await throttle.loginFailed(`user-${attempt}`, '10.0.0.9');
    expect(await throttle.loginRetryAfter('someone-new', '10.0.0.9')).toBe(60);
    expect(await throttle.loginRetryAfter('someone-new', '10.0.0.10')).toBeNull();
    await failTimes(5, '10.0.0.11');
    await throttle.loginSucceeded('admin');
    await failTimes(9, '10.0.0.11');
    expect(await throttle.loginRetryAfter('admin', '10.0.0.12')).toBeNull();
  });
});
