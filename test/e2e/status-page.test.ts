import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

const SCREENSHOT = '/tmp/status-page.png';

/** The public status page in Chromium with JavaScript off and no login, against a real OC and agent; and its admin page. */
describe('the status page in a browser', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let browser: Browser;
  const internal: string[] = ['internal-east', 'tier-gold', '127.0.0.1'];

  beforeAll(async () => {
    oc = await LiveOc.start();
    const clusterId = await oc.createCluster('internal-east');
    internal.push(clusterId);
    agent = await LiveAgent.create(oc, { cluster: 'internal-east', workers: 2, enrollmentToken: await oc.enrollmentToken('internal-east') });
    agent.start();
    const statuses = await oc.eventually(
      () => oc.statuses('internal-east'),
      (found) => Object.keys(found).length === 3 && Object.values(found).every((node) => node.status === 'UP'),
      60_000,
    );
    for (const [name, { id }] of Object.entries(statuses)) internal.push(name, id);
    await oc.query(`mutation($id: ID!) { addTags(input: { clusterIds: [$id], tags: ["tier-gold"] }) { __typename } }`, { id: clusterId });
    const add = `mutation($input: StatusComponentInput!) { addStatusComponent(input: $input) { ... on StatusComponent { id } } }`;
    const storefront = (await oc.query(add, { input: { name: 'Storefront', target: { clusters: ['internal-east'] } } })).addStatusComponent.id;
    const checkout = (await oc.query(add, { input: { name: 'Checkout', target: { tags: { tags: ['tier-gold'] } } } })).addStatusComponent.id;
    internal.push(storefront, checkout);
    await oc.query(`mutation { setStatusPageSettings(title: "Acme status", description: "Live state of the Acme services.") { __typename } }`);
    await oc.query(
      `mutation($ids: [ID!]!) { publishStatusIncident(input: { title: "Slow checkout", message: "Payments take longer than usual; we are looking into it.", state: IDENTIFIED, componentIds: $ids }) { __typename } }`,
      { ids: [checkout] },
    );
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    agent?.dispose();
    await oc?.dispose();
  });

  it('shows public names, states, 90 daily bars and incidents without JavaScript or a login, and nothing internal', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 900 } });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${oc.url}/status`);
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Acme status');
      expect(await page.locator('.component h3').allTextContents()).toEqual(['Storefront', 'Checkout']);
      expect(await page.locator('.component .state').allTextContents()).toEqual(['Operational', 'Operational']);
      for (const component of await page.locator('.component').all()) {
        expect(await component.locator('.bar').count()).toBe(90);
        expect(await component.locator('.bar.ok').count()).toBeGreaterThanOrEqual(1);
      }
      expect(await page.locator('.incident h3').textContent()).toContain('Slow checkout');
      expect(await page.locator('.incident .message').textContent()).toContain('Payments take longer');
      const html = await page.content();
      expect(html).not.toMatch(/<script/i);
      for (const secret of internal) expect(html, secret).not.toContain(secret);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('lets an admin add a component from the dashboard, with a link to the public page', async () => {
    const page = await loggedInPage(browser, oc);
    try {
      await page.getByRole('link', { name: 'Status page' }).click();
      await page.waitForURL(/\/status-page$/);
      expect(await page.getByTestId('open-status-page').getAttribute('href')).toBe('/status');
      await expect.poll(() => page.getByTestId('status-component-row').count()).toBe(2);
      await page.getByTestId('status-component-name').fill('Everything gold');
      await page.getByTestId('target-tags').check();
      await page.getByTestId('target-tag-input').fill('tier-gold');
      await page.getByRole('button', { name: 'Add component' }).click();
      await expect.poll(() => page.getByTestId('status-component-row').count()).toBe(3);
      expect(await page.getByTestId('status-component-row').nth(2).textContent()).toContain('Everything gold');
      await screenshot(page, 'status-page-admin');
    } finally {
      await page.context().close();
    }
  });
});
