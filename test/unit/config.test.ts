import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from '../../api/src/config.ts';

describe('loadServerConfig', () => {
  it('has defaults a user would expect', () => {
    const config = loadServerConfig({}, {});
    expect(config).toMatchObject({
      port: 4000,
      heartbeatInterval: 5000,
      suspectAfter: 3,
      downAfter: 6,
      managerLease: 15_000,
      warmup: 30_000,
      enrollmentTokenTtl: 3_600_000,
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('reads OPSCENTER_ variables and DATABASE_URL, and lets flags win', () => {
    const env = { OPSCENTER_PORT: '5000', OPSCENTER_HEARTBEAT_INTERVAL: '2s', DATABASE_URL: 'postgres://db/oc', OPSCENTER_ALLOWED_ORIGINS: 'https://a.example, https://b.example' };
    expect(loadServerConfig({}, env)).toMatchObject({ port: 5000, heartbeatInterval: 2000, databaseUrl: 'postgres://db/oc', allowedOrigins: ['https://a.example', 'https://b.example'] });
    expect(loadServerConfig({ port: '6000' }, env).port).toBe(6000);
  });

  it('names the bad setting, as the user wrote it', () => {
    expect(() => loadServerConfig({ port: '70000' }, {})).toThrow(new ConfigError('Invalid configuration: --port must be a port number between 0 and 65535 (got "70000")'));
    expect(() => loadServerConfig({}, { OPSCENTER_MANAGER_LEASE: 'soon' })).toThrow(/^Invalid configuration: OPSCENTER_MANAGER_LEASE must be a positive duration/);
    expect(() => loadServerConfig({ suspectAfter: '6', downAfter: '6' }, {})).toThrow(/--down-after must be greater than the suspect-after setting/);
    expect(() => loadServerConfig({ initialAdminPassword: 'short' }, {})).toThrow('--initial-admin-password must be at least 12 characters (got "***")');
  });
});
