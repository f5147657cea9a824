import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

/** The dashboard and GraphiQL under the OC's Content-Security-Policy, in headless Chromium, against a real fleet. */
describe('dashboard under its security headers', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let browser: Browser;
  let page: Page;
  let clusterId: string;
  const problems: string[] = [];

  const watch = (target: Page) => {
    target.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(`${target.url()}: ${message.text()}`);
    });
    target.on('pageerror', (error) => problems.push(`${target.url()}: ${error.message}`));
  };

  beforeAll(async () => {
    oc = await LiveOc.start();
    clusterId = await oc.createCluster('secure');
    agent = await LiveAgent.create(oc, { cluster: 'secure', workers: 2, enrollmentToken: await oc.enrollmentToken('secure') });
    agent.start();
    await oc.eventually(
      () => oc.statuses('secure'),
      (statuses) => Object.keys(statuses).length === 3 && Object.values(statuses).every((node) => node.status === 'UP'),
      60_000,
    );
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
    watch(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    agent?.dispose();
    await oc?.dispose();
  });

  it('sends a strict Content-Security-Policy and the other browser headers with the dashboard and the API', async () => {
    const dashboard = await fetch(`${oc.url}/`);
    const policy = dashboard.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/default-src 'self'/);
    expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(policy).toMatch(/frame-ancestors 'none'/);
    expect(dashboard.headers.get('x-frame-options')).toBe('DENY');
    expect(dashboard.headers.get('x-content-type-options')).toBe('nosniff');
    expect(dashboard.headers.get('referrer-policy')).toBe('no-referrer');
    const api = await fetch(`${oc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(api.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses operations posted as forms or plain text, so no other site can post a mutation', async () => {
    const mutation = 'mutation { createCluster(input: { name: "forged", productKind: "x" }) { __typename } }';
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--\r\n`],
      ['text/plain', JSON.stringify({ query: mutation })],
    ]) {
      const response = await fetch(`${oc.url}/graphql`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${oc.token}` }, body });
      expect(response.status, type).toBe(415);
    }
    expect((await oc.query('{ cluster(name: "forged") { id } }')).cluster).toBeNull();
  });

  it('works under that policy: every view renders with no console error or policy violation', async () => {
    for (const [path, ready] of [
      ['/', '[data-testid="cluster-card"]'],
      ['/topology', '[data-testid="topology-node"]'],
      [`/clusters/${clusterId}`, '[data-testid="node-row"]'],
      ['/operations', 'main'],
      ['/schedules', 'main'],
      ['/availability', 'main'],
    ] as const) {
      await page.goto(`${oc.url}${path}`);
      await page.waitForSelector(ready);
    }
    await page.goto(`${oc.url}/clusters/${clusterId}`);
    await page.locator('[data-testid="node-row"]').first().locator('a').first().click();
    await page.waitForSelector('canvas');
    await screenshot(page, 'csp-node-page');
    expect(problems).toEqual([]);
  });

  it('serves GraphiQL from the OC itself, working under its policy with the dashboard’s session', async () => {
    const graphiql = await page.context().newPage();
    watch(graphiql);
    const requested: string[] = [];
    graphiql.on('request', (request) => requested.push(request.url()));
    const response = await graphiql.goto(`${oc.url}/graphql`);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await graphiql.waitForSelector('.graphiql-container', { timeout: 30_000 });
    // With the session, introspection works: the documentation explorer lists the schema's root types.
    await graphiql.getByRole('button', { name: /documentation explorer/i }).click();
    await graphiql.getByText('Query', { exact: true }).first().waitFor();
    await screenshot(graphiql, 'graphiql');
    expect(requested.filter((url) => !url.startsWith(oc.url) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
    await graphiql.close();
  });

  it('shows an admin the manager’s credential and revokes it, after a confirmation', async () => {
    await page.goto(`${oc.url}/clusters/${clusterId}`);
    const section = page.getByTestId('manager-credential');
    await expect.poll(() => section.textContent()).toMatch(/expires/);
    await page.getByTestId('revoke-credential').click();
    await screenshot(page, 'revoke-credential-confirm');
    await page.getByTestId('confirm-revoke-credential').click();
    await page.getByTestId('no-credential').waitFor();
    await agent.process.waitFor(/re-enroll with a new token/);
    await oc.eventually(
      () => oc.statuses('secure'),
      (statuses) => Object.values(statuses).every((node) => node.status === 'UNKNOWN'),
    );
    expect(problems).toEqual([]);
  });
});
