import { describe, expect, it } from 'vitest';
import { isForbiddenAddress, refusedDestination } from '../../api/src/modules/notifications/notifications.outbound.ts';

describe('where notifications may go', () => {
  it('refuses link-local, unspecified and multicast addresses in every spelling, and allows loopback and private networks', () => {
    for (const host of [
      '169.254.169.254',
      '169.254.0.1',
      '[fe80::1]',
      'fe80::abcd',
      '[::ffff:169.254.169.254]',
      '[::ffff:a9fe:a9fe]',
      '0.0.0.0',
      '[::]',
      '224.0.0.1',
      '[ff02::1]',
      '[fd00:ec2::254]',
    ])
      expect(isForbiddenAddress(host), host).toBe(true);
    for (const host of ['127.0.0.1', '[::1]', '10.1.2.3', '172.16.0.1', '192.168.1.10', '203.0.113.7', '[2001:db8::1]', 'hooks.example.com', 'localhost'])
      expect(isForbiddenAddress(host), host).toBe(false);
  });

  it('judges a name by the addresses it resolves to', async () => {
    expect(await refusedDestination('localhost')).toBeNull();
    expect(await refusedDestination('127.0.0.1')).toBeNull();
    expect(await refusedDestination('[fe80::1]')).toBe('refused: fe80::1 is a link-local, multicast or unspecified address');
  });
});
