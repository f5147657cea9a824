import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/src/config.ts';
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
    const env = {
      OPSCENTER_PORT: '5000',
      OPSCENTER_HEARTBEAT_INTERVAL: '2s',
      DATABASE_URL: 'postgres://db/oc',
      OPSCENTER_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    };
    expect(loadServerConfig({}, env)).toMatchObject({
      port: 5000,
      heartbeatInterval: 2000,
      databaseUrl: 'postgres://db/oc',
      allowedOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(loadServerConfig({ port: '6000' }, env).port).toBe(6000);
  });

  it('names the bad setting, as the user wrote it', () => {
    expect(() => loadServerConfig({ port: '70000' }, {})).toThrow(
      new ConfigError('Invalid configuration: --port must be a port number between 0 and 65535 (got "70000")'),
    );
    expect(() => loadServerConfig({}, { OPSCENTER_MANAGER_LEASE: 'soon' })).toThrow(
      /^Invalid configuration: OPSCENTER_MANAGER_LEASE must be a positive duration/,
    );
    expect(() => loadServerConfig({ suspectAfter: '6', downAfter: '6' }, {})).toThrow(/--down-after must be greater than the suspect-after setting/);
    expect(() => loadServerConfig({ initialAdminPassword: 'short' }, {})).toThrow('--initial-admin-password must be at least 12 characters (got "***")');
    expect(() => loadServerConfig({}, { OPSCENTER_METRICS_TOKEN: 'short' })).toThrow('OPSCENTER_METRICS_TOKEN must be at least 16 characters (got "***")');
  });

  it('leaves /metrics off unless OPSCENTER_METRICS_TOKEN is set', () => {
    expect(loadServerConfig({}, {}).metricsToken).toBeUndefined();
    expect(loadServerConfig({}, { OPSCENTER_METRICS_TOKEN: 'scrape-token-0123456789' }).metricsToken).toBe('scrape-token-0123456789');
  });
});

describe('loadAgentConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const write = (worker: Record<string, unknown>, oc: Record<string, unknown> = { url: 'http://127.0.0.1:4000' }) => {
    files += 1;
    const file = path.join(dir, `agent-${files}.yaml`);
    fs.writeFileSync(
      file,
      JSON.stringify({ oc, cluster: 'app', manager: { name: 'app-manager' }, workers: [{ driver: 'process', name: 'app-1', command: 'true', ...worker }] }),
    );
    return file;
  };

  it('takes a worker’s own console URL, and no console when none is given', () => {
    expect(loadAgentConfig(write({ consoleUrl: 'https://app-1.example:9443/console' })).workers[0]).toMatchObject({
      consoleUrl: 'https://app-1.example:9443/console',
    });
    expect(loadAgentConfig(write({})).workers[0]).not.toHaveProperty('consoleUrl');
  });

  it('refuses URLs that are not absolute http(s) URLs, naming the setting', () => {
    for (const consoleUrl of ['/console', 'javascript:alert(1)', 'ftp://app-1.example/']) {
      expect(() => loadAgentConfig(write({ consoleUrl }))).toThrow(/workers\.0\.consoleUrl must be an absolute http\(s\) URL/);
    }
    expect(() => loadAgentConfig(write({ health: { http: 'file:///etc/passwd' } }))).toThrow(/workers\.0\.health/);
    expect(() => loadAgentConfig(write({}, { url: 'ws://127.0.0.1:4000' }))).toThrow(/oc\.url must be an absolute http\(s\) URL/);
  });

  it('takes an inventory command, with a default timeout, instead of an inventory URL, never both', () => {
    expect(loadAgentConfig(write({ inventoryCommand: { command: '/opt/app/bin/report', args: ['--json'] } })).workers[0]).toMatchObject({
      inventoryCommand: { command: '/opt/app/bin/report', args: ['--json'], timeout: 10_000 },
    });
    expect(loadAgentConfig(write({ inventoryCommand: { command: 'report', timeout: '2s' } })).workers[0]).toMatchObject({
      inventoryCommand: { command: 'report', args: [], timeout: 2000 },
    });
    expect(() => loadAgentConfig(write({ inventoryUrl: 'http://127.0.0.1:8081/inventory', inventoryCommand: { command: 'report' } }))).toThrow(
      /worker app-1 has both an inventoryUrl and an inventoryCommand; give one/,
    );
    expect(() => loadAgentConfig(write({ inventoryCommand: { command: '' } }))).toThrow(/workers\.0\.inventoryCommand\.command/);
    expect(() => loadAgentConfig(write({ inventoryCommand: { command: 'report', shell: true } }))).toThrow(/workers\.0\.inventoryCommand/);
    expect(() => loadAgentConfig(write({ inventoryCommand: { command: 'report', timeout: '5m' } }))).toThrow(/inventoryCommand\.timeout must be at most 1m/);
  });
});
