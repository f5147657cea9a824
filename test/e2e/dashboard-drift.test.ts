import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

const SHOP = 'shop';
const BATCH = 'batch';
const LOADED_PATCH = 'hotfix-7.jar';
const LOADED_BYTES = 'hotfix 7 for the shop workers';
const STRAY_PATCH = 'debug-tool.jar';
const LATE_PATCH = 'hotfix-8.jar';
const LATE_BYTES = 'hotfix 8, put in place while the worker runs';

const sha256 = (bytes: string) => createHash('sha256').update(bytes).digest('hex');
const cell = (node: string, item: string) => `[data-testid="drift-node"][data-node-name="${node}"] td[data-item-name="${item}"]`;
const gridNodes = async (page: Page) =>
  (await page.getByTestId('drift-node').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-node-name')))).sort();

/** The drift page and the node page's drift section in headless Chromium against a real OC, agents and workers. */
describe('drift in the dashboard', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let shop: LiveAgent;
  let batch: LiveAgent;
  let browser: Browser;
  let page: Page;

  async function upload(name: string, version: string, body: string): Promise<string> {
    const response = await fetch(`${oc.url}/api/content?kind=PATCH&name=${name}&version=${version}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${oc.token}` },
      body,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { item: { id: string } }).item.id;
  }

  async function createBaseline(name: string, itemId: string): Promise<void> {
    const created = await oc.query('mutation($name: String!, $input: BaselineInput!) { createBaseline(name: $name, input: $input) { __typename } }', {
      name,
      input: { target: { clusters: [SHOP] }, itemIds: [itemId], message: `${name} for the shop` },
    });
    expect(created.createBaseline.__typename).toBe('Baseline');
  }

  beforeAll(async () => {
    oc = await LiveOc.start();
    await oc.createCluster(SHOP);
    await oc.createCluster(BATCH);
    shop = await LiveAgent.create(oc, { cluster: SHOP, workers: 2, enrollmentToken: await oc.enrollmentToken(SHOP) });
    batch = await LiveAgent.create(oc, { cluster: BATCH, workers: 1, enrollmentToken: await oc.enrollmentToken(BATCH) });
    // In place before the worker starts, so that its process loads it: in sync without a restart.
    fs.writeFileSync(path.join(shop.patchesDir('shop-1'), LOADED_PATCH), LOADED_BYTES);
    fs.writeFileSync(path.join(batch.patchesDir('batch-1'), STRAY_PATCH), 'left behind by someone');
    shop.start();
    batch.start();
    await oc.eventually(
      async () => ({ ...(await oc.statuses(SHOP)), ...(await oc.statuses(BATCH)) }),
      (nodes) => ['shop-1', 'shop-2', 'batch-1'].every((name) => nodes[name]?.status === 'UP'),
      60_000,
    );
    await createBaseline('shop-fixes', await upload(LOADED_PATCH, '7', LOADED_BYTES));
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    shop?.dispose();
    batch?.dispose();
    await oc?.dispose();
  });

  it('shows every node by file, coloured by state, with the counts by cluster', async () => {
    await page.goto(`${oc.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Drift' }).click();
    await page.waitForURL((url) => url.pathname === '/drift');
    // The inventory arrives with the agents' next report; the page refetches on it.
    await page.locator(`${cell('shop-1', LOADED_PATCH)}[data-state="IN_SYNC"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(cell('shop-2', LOADED_PATCH)).getAttribute('data-state')).toBe('MISSING');
    expect(await page.locator(cell('shop-2', LOADED_PATCH)).textContent()).toContain('Missing');
    // No baseline wants the patch in batch, and none is installed there: a blank cell.
    expect(await page.locator(cell('batch-1', LOADED_PATCH)).getAttribute('data-state')).toBeNull();
    expect(await page.locator(cell('batch-1', STRAY_PATCH)).getAttribute('data-state')).toBe('UNEXPECTED');
    expect(await gridNodes(page)).toEqual(expect.arrayContaining(['shop-1', 'shop-2', 'batch-1']));

    const shopCounts = page.locator(`[data-testid="drift-cluster"][data-cluster-name="${SHOP}"]`);
    expect(await shopCounts.locator('[data-state="IN_SYNC"]').textContent()).toBe('1');
    // Only shop-2 lacks the patch: managers get no baseline.
    expect(await shopCounts.locator('[data-state="MISSING"]').textContent()).toBe('1');
    expect(await page.locator('[data-testid="drift-total"] [data-state="MISSING"] .value').textContent()).toBe('1');
    expect(await page.getByTestId('drift-load-more').count()).toBe(0);
    await screenshot(page, 'drift-all');

    await page.locator('[data-testid="drift-node"][data-node-name="shop-1"]').getByRole('link', { name: 'shop-1' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/nodes/'));
    await page.getByTestId('node-drift').waitFor();
  });

  it('shows on the node page each file’s state, the wanted version and baseline, and the hashes', async () => {
    const file = page.locator(`[data-testid="drift-file"][data-item-name="${LOADED_PATCH}"]`);
    await file.waitFor();
    expect(await file.getAttribute('data-state')).toBe('IN_SYNC');
    expect(await file.getByTestId('drift-state').textContent()).toBe('In sync');
    expect(await file.getByTestId('drift-wanted').textContent()).toMatch(/7\s+from\s+shop-fixes/);
    expect(await file.getByTestId('drift-wanted-sha256').getAttribute('title')).toBe(sha256(LOADED_BYTES));
    expect(await file.getByTestId('drift-installed-sha256').textContent()).toBe(`${sha256(LOADED_BYTES).slice(0, 12)}…`);
    // The navigation bar sticks to the top of what is scrolled into view, also in a full-page screenshot.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'drift-node');
  });

  it('filters by cluster through the URL', async () => {
    await page.goto(`${oc.url}/drift`);
    await page.getByTestId('drift-grid').waitFor();
    await page.getByTestId('filter-cluster').selectOption(BATCH);
    await page.waitForURL((url) => url.searchParams.get('cluster') === BATCH);
    await page.locator(`[data-testid="drift-cluster"][data-cluster-name="${SHOP}"]`).waitFor({ state: 'detached' });
    await page.locator(cell('batch-1', STRAY_PATCH)).waitFor();
    expect(await page.getByTestId('drift-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-item-name')))).toEqual([STRAY_PATCH]);
    expect(await gridNodes(page)).toEqual(['batch-1', 'batch-manager']);

    await page.goto(`${oc.url}/drift?cluster=${SHOP}`);
    await page.locator(cell('shop-2', LOADED_PATCH)).waitFor();
    expect(await gridNodes(page)).toEqual(['shop-1', 'shop-2', 'shop-manager']);
    expect(await page.getByTestId('filter-cluster').inputValue()).toBe(SHOP);
    await screenshot(page, 'drift-cluster-filter');
  });

  it('shows a patch put in place under a running worker as installed, not loaded', async () => {
    fs.writeFileSync(path.join(shop.patchesDir('shop-2'), LATE_PATCH), LATE_BYTES);
    await createBaseline('shop-next', await upload(LATE_PATCH, '8', LATE_BYTES));
    await page.goto(`${oc.url}/drift?cluster=${SHOP}`);
    await page.locator(`${cell('shop-2', LATE_PATCH)}[data-state="INSTALLED_NOT_LOADED"]`).waitFor({ timeout: 45_000 });
    expect(await page.locator(cell('shop-2', LATE_PATCH)).getAttribute('title')).toBe(`${LATE_PATCH} on shop-2: Not loaded`);
    expect(await page.locator(cell('shop-1', LATE_PATCH)).getAttribute('data-state')).toBe('MISSING');
    await screenshot(page, 'drift-not-loaded');
  });

  it('reports what is installed where, put there by hand, and downloads the report as CSV with the session', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applied' }).click();
    await page.waitForURL((url) => url.pathname === '/applied');
    const row = (node: string, name: string) => page.locator(`[data-testid="applied-row"][data-node="${node}"][data-name="${name}"]`);
    const cells = async (node: string, name: string) => (await row(node, name).locator('td').allTextContents()).map((text) => text.trim());
    await row('shop-2', LATE_PATCH).waitFor();
    // cluster, node, kind, name, version, SHA-256, since, loaded, operation, requested by
    const shop1 = await cells('shop-1', LOADED_PATCH);
    expect([...shop1.slice(0, 6), ...shop1.slice(7)]).toEqual([
      SHOP,
      'shop-1',
      'Patch',
      LOADED_PATCH,
      '7',
      `${sha256(LOADED_BYTES).slice(0, 12)}…`,
      'Yes',
      'By hand',
      '—',
    ]);
    expect((await cells('shop-2', LATE_PATCH)).slice(4)).toEqual([
      '8',
      `${sha256(LATE_BYTES).slice(0, 12)}…`,
      expect.any(String),
      'Waits for a restart',
      'By hand',
      '—',
    ]);
    expect((await cells('batch-1', STRAY_PATCH))[4]).toBe('—');
    await screenshot(page, 'applied-content');

    await page.getByTestId('filter-cluster').selectOption(BATCH);
    await page.waitForURL((url) => url.searchParams.get('cluster') === BATCH);
    await row('shop-1', LOADED_PATCH).waitFor({ state: 'detached' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('applied-download-csv').click()]);
    expect(download.suggestedFilename()).toBe('applied-content.csv');
    const lines = fs
      .readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('cluster,node,node_id,kind,name,version,sha256,installed_since,loaded,operation_id,requested_by,applied_at');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 6).join(','))).toEqual([
      expect.stringMatching(new RegExp(`^${BATCH},batch-1,[0-9a-f-]{36},PATCH,${STRAY_PATCH},$`)),
    ]);
  });
});
