import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationsRepository } from '../../api/src/modules/notifications/notifications.repository.ts';
import { notificationOutbox } from '../../api/src/modules/notifications/notifications.table.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { signingSecret } from '../helpers/webhook-receiver.ts';

const LEASE_MS = 20_000;

describe('outbox claims', () => {
  let server: TestServer;
  const repository = new NotificationsRepository();

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('never claims again what a pass holds, and renews its claims only once half the lease has passed', async () => {
    const { db } = server.database;
    const channel = await server.app.services.notifications.createChannel(
      { actor: { type: 'SYSTEM', name: 'test' }, requestId: 'outbox-claims' },
      { name: 'claims', kind: 'WEBHOOK', url: 'http://127.0.0.1:9/hooks', secret: signingSecret() },
    );
    const start = server.clock.now();
    const at = (ms: number) => new Date(start.getTime() + ms);
    const message = { type: 'test', title: 'claims', text: 'claims', data: {} };
    await repository.enqueue(
      db,
      [0, 1, 2].map(() => ({ channelId: channel.id, message, at: start })),
    );
    const leases = async () =>
      (await db.select({ next: notificationOutbox.nextAttemptAt }).from(notificationOutbox).where(eq(notificationOutbox.channelId, channel.id))).map((row) =>
        row.next.getTime(),
      );
    const claim = (now: Date, held: string[]) => repository.recordAndClaim(db, { outcomes: [], held }, now, LEASE_MS, 10);

    const held = (await claim(start, [])).map((row) => row.id);
    expect(held).toHaveLength(3);
    expect(await leases()).toEqual([LEASE_MS, LEASE_MS, LEASE_MS].map((ms) => at(ms).getTime()));

    // A quarter of the lease on: nothing to claim, nothing written.
    expect(await claim(at(LEASE_MS / 4), held)).toEqual([]);
    expect(await leases()).toEqual([LEASE_MS, LEASE_MS, LEASE_MS].map((ms) => at(ms).getTime()));

    // Past the lease, still held (say, queued behind slow receivers): not claimed again, and leased anew.
    expect(await claim(at(LEASE_MS + 5_000), held)).toEqual([]);
    expect(await leases()).toEqual([0, 1, 2].map(() => at(2 * LEASE_MS + 5_000).getTime()));
    // So another pass, or another OC, does not take them either.
    expect(await claim(at(LEASE_MS + 6_000), [])).toEqual([]);
    // Once they are no longer held and their lease has run out, they are due again.
    expect(await claim(at(2 * LEASE_MS + 6_000), [])).toHaveLength(3);
  });
});
