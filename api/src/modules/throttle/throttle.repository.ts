import { lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rateLimits } from './throttle.table.ts';

export class ThrottleRepository {
  readonly table = rateLimits;

  async pruneExpired(db: Executor, before: Date): Promise<void> {
    await db.delete(rateLimits).where(lt(rateLimits.expire, before));
  }
}
