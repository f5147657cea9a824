import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

const CLUSTER = 'esb-prod';
const BASELINE = 'esb-patches';
const PATCH = 'hotfix-42.jar';
const PATCH_V1 = 'hotfix 42, first build';
const PATCH_V2 = 'hotfix 42, second build';

const versionRow = (version: number) => `[data-testid="version-row"][data-version="${version}"]`;
const result = (version: string) => `[data-testid="item-result"][data-item-name="${PATCH}"][data-item-version="${version}"]`;
const itemsIn = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((items) => items.map((item) => `${item.getAttribute('data-item-name')} ${item.getAttribute('data-item-version')}`));

/** The baselines pages in headless Chromium against a real OC with a real agent and worker. */
describe('baselines in the dashboard', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let browser: Browser;
  let page: Page;
  let workerId: string;

  async function upload(version: string, body: string): Promise<void> {
    const response = await fetch(`${oc.url}/api/content?kind=PATCH&name=${PATCH}&version=${version}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${oc.token}` },
      body,
    });
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    oc = await LiveOc.start();
    await oc.createCluster(CLUSTER, 'esb');
    agent = await LiveAgent.create(oc, { cluster: CLUSTER, workers: 1, enrollmentToken: await oc.enrollmentToken(CLUSTER) });
    agent.start();
    const statuses = await oc.eventually(
      () => oc.statuses(CLUSTER),
      (nodes) => Object.keys(nodes).length === 2,
      60_000,
    );
    workerId = Object.entries(statuses).find(([name]) => !name.includes('manager'))?.[1].id ?? Object.values(statuses)[0].id;
    await upload('1.0', PATCH_V1);
    await upload('2.0', PATCH_V2);
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    agent?.dispose();
    await oc?.dispose();
  });

  it('creates a baseline for a cluster in the editor, showing the typed error for two versions of one file', async () => {
    await page.goto(`${oc.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Baselines' }).click();
    await page.waitForURL((url) => url.pathname === '/baselines');
    await page.getByRole('heading', { name: 'No baselines yet' }).waitFor();
    await page.getByTestId('new-baseline').click();
    await page.waitForURL((url) => url.pathname === '/baselines/new');

    await page.getByTestId('baseline-name').fill(BASELINE);
    await page
      .getByTestId('target-cluster')
      .and(page.locator(`[value="${CLUSTER}"]`))
      .check();
    await page.getByTestId('item-search').fill('hotfix');
    await page.locator(result('1.0')).getByTestId('item-add').click();
    await page.locator(result('2.0')).getByTestId('item-add').click();
    await page.getByTestId('baseline-message').fill('hotfix 42 for the session leak');
    await page.getByTestId('baseline-save').click();

    const itemsError = page.getByTestId('field-error-itemIds');
    await itemsError.waitFor();
    expect(await itemsError.textContent()).toContain(`two patch items named "${PATCH}"`);
    await screenshot(page, 'baselines-editor-duplicate');

    await page.getByRole('button', { name: `Remove ${PATCH} 2.0` }).click();
    await page.getByTestId('baseline-save').click();
    await page.waitForURL((url) => url.pathname === `/baselines/${BASELINE}`);
    expect(await page.getByTestId('baseline-saved').textContent()).toBe('Saved version 1.');
    expect(await page.getByTestId('baseline-current').textContent()).toContain(`Version 1 in force for cluster ${CLUSTER}`);
  });

  it('shows the diff against the version in force before saving version 2', async () => {
    expect(await itemsIn(page, '[data-testid="picked-item"]')).toEqual([`${PATCH} 1.0`]);
    await page.getByRole('button', { name: `Remove ${PATCH} 1.0` }).click();
    await page.locator(result('2.0')).getByTestId('item-add').click();

    const diff = page.getByTestId('edit-diff');
    expect(await diff.locator('h3').textContent()).toBe('Changes against version 1, in force');
    expect(await itemsIn(page, '[data-testid="edit-diff"] [data-testid="diff-added"]')).toEqual([`${PATCH} 2.0`]);
    expect(await itemsIn(page, '[data-testid="edit-diff"] [data-testid="diff-removed"]')).toEqual([`${PATCH} 1.0`]);
    expect(await diff.getByTestId('diff-target-changed').count()).toBe(0);

    // A version without a why is not sent.
    await page.getByTestId('baseline-save').click();
    expect(await page.getByTestId('field-error-message').textContent()).toMatch(/Say why/);

    await page.getByTestId('baseline-message').fill('second build of hotfix 42');
    await screenshot(page, 'baselines-edit-diff');
    await page.getByTestId('baseline-save').click();
    await page.getByTestId('baseline-saved').filter({ hasText: 'Saved version 2.' }).waitFor();
    await page.locator(versionRow(2)).waitFor();
    expect(await page.getByTestId('baseline-save').textContent()).toContain('Save as version 3');
  });

  it('lists the history newest first and compares two versions with the OC’s diff', async () => {
    expect(await page.getByTestId('version-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-version')))).toEqual(['2', '1']);
    expect(await page.locator(versionRow(2)).textContent()).toContain('second build of hotfix 42');
    expect(await page.locator(versionRow(1)).textContent()).toContain('hotfix 42 for the session leak');
    expect(await itemsIn(page, `${versionRow(1)} [data-testid="version-item"]`)).toEqual([`${PATCH} 1.0`]);

    await page.getByTestId('compare-from').selectOption('1');
    await page.getByTestId('compare-to').selectOption('2');
    await page.getByTestId('compare-button').click();
    await page.getByTestId('version-diff').waitFor();
    expect(await itemsIn(page, '[data-testid="version-diff"] [data-testid="diff-added"]')).toEqual([`${PATCH} 2.0`]);
    expect(await itemsIn(page, '[data-testid="version-diff"] [data-testid="diff-removed"]')).toEqual([`${PATCH} 1.0`]);
    // The navigation bar sticks to the top of what is scrolled into view, also in a full-page screenshot.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'baselines-history');
  });

  it('restores version 1 as version 3, which the node’s desired state then shows', async () => {
    await page.locator(versionRow(1)).getByTestId('restore-version').click();
    await page.getByTestId('restore-message').fill('v2 breaks the login page');
    await page.getByTestId('restore-confirm').click();
    expect(await page.getByTestId('baseline-restored').textContent()).toBe('Version 1 restored as version 3.');
    await page.locator(versionRow(3)).waitFor();
    expect(await itemsIn(page, `${versionRow(3)} [data-testid="version-item"]`)).toEqual([`${PATCH} 1.0`]);
    expect(await page.getByTestId('baseline-current').textContent()).toContain('v2 breaks the login page');
    // The editor starts again from the restored version.
    expect(await itemsIn(page, '[data-testid="picked-item"]')).toEqual([`${PATCH} 1.0`]);
    expect(await page.getByTestId('baseline-save').textContent()).toContain('Save as version 4');

    await page.goto(`${oc.url}/nodes/${workerId}`);
    const desired = page.locator(`[data-testid="desired-item"][data-item-name="${PATCH}"]`);
    await desired.waitFor();
    expect(await desired.getAttribute('data-item-version')).toBe('1.0');
    expect(await desired.getByTestId('desired-baseline').textContent()).toBe(BASELINE);
    const sha256 = createHash('sha256').update(PATCH_V1).digest('hex');
    expect(await desired.getByTestId('desired-sha256').getAttribute('title')).toBe(sha256);
    expect(await desired.getByTestId('desired-sha256').textContent()).toBe(`${sha256.slice(0, 12)}…`);
    expect(await page.getByTestId('desired-conflict').count()).toBe(0);
    await screenshot(page, 'baselines-node-desired-state');

    await page.goto(`${oc.url}/baselines`);
    const row = page.locator(`[data-testid="baseline-row"][data-baseline-name="${BASELINE}"]`);
    await row.waitFor();
    expect(await row.getByTestId('baseline-target').textContent()).toBe(`cluster ${CLUSTER}`);
    expect(await row.getByTestId('baseline-version').textContent()).toBe('3');
    await screenshot(page, 'baselines-list');
  });

  it('shows on the node page a conflict between two cluster baselines, applying neither', async () => {
    const { contentItems } = await oc.query(`{ contentItems(first: 10, filter: { search: "${PATCH}" }) { nodes { id version } } }`);
    const v2 = contentItems.nodes.find((item: { version: string }) => item.version === '2.0');
    const created = await oc.query(
      `mutation($input: BaselineInput!) { createBaseline(name: "esb-canary", input: $input) { __typename ... on Error { message } } }`,
      { input: { target: { clusters: [CLUSTER] }, itemIds: [v2.id], message: 'try the second build' } },
    );
    expect(created.createBaseline.__typename).toBe('Baseline');

    await page.goto(`${oc.url}/nodes/${workerId}`);
    const conflict = page.locator(`[data-testid="desired-conflict"][data-item-name="${PATCH}"]`);
    await conflict.waitFor();
    expect(await conflict.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/esb-canary wants\s+2\.0/),
      expect.stringMatching(/esb-patches wants\s+1\.0/),
    ]);
    expect(await page.getByTestId('desired-item').count()).toBe(0);
    await screenshot(page, 'baselines-node-conflict');
  });

  it('shows a viewer the baseline and its history without edit or restore controls', async () => {
    await oc.query(`mutation { createUser(username: "reader", role: VIEWER, password: "password-of-reader") { __typename } }`);
    const viewer = await loggedInPage(browser, oc, { username: 'reader', password: 'password-of-reader' });
    try {
      await viewer.goto(`${oc.url}/baselines`);
      await viewer.locator(`[data-testid="baseline-row"][data-baseline-name="${BASELINE}"]`).waitFor();
      expect(await viewer.getByTestId('new-baseline').count()).toBe(0);

      await viewer.getByRole('link', { name: BASELINE, exact: true }).click();
      await viewer.getByTestId('baseline-readonly').waitFor();
      expect(await viewer.getByTestId('version-row').count()).toBe(3);
      expect(await viewer.getByTestId('baseline-editor').count()).toBe(0);
      expect(await viewer.getByTestId('restore-version').count()).toBe(0);
      await screenshot(viewer, 'baselines-viewer');

      await viewer.goto(`${oc.url}/baselines/new`);
      await viewer.getByRole('heading', { name: 'Only operators and admins can create baselines' }).waitFor();
      expect(await viewer.getByTestId('baseline-editor').count()).toBe(0);
    } finally {
      await viewer.context().close();
    }
  });

  it('enforces a baseline on a timetable, stops enforcing it, and deletes it after a confirmation', async () => {
    await page.goto(`${oc.url}/baselines/${BASELINE}`);
    const enforcement = page.getByTestId('baseline-enforcement');
    await enforcement.getByText('Not enforced').waitFor();
    await page.getByTestId('enforcement-cron').fill('*/30 * * * *');
    await page.getByTestId('enforcement-start').click();
    await enforcement.getByText(`Enforced by schedule enforce-${BASELINE}`).waitFor();
    expect(await enforcement.textContent()).toContain('*/30 * * * *');
    const schedules = await oc.query('{ schedules(first: 10) { nodes { name cron enforces { name } } } }');
    expect(schedules.schedules.nodes).toContainEqual({ name: `enforce-${BASELINE}`, cron: '*/30 * * * *', enforces: { name: BASELINE } });
    await screenshot(page, 'baselines-enforced');
    await page.getByTestId('enforcement-stop').click();
    await enforcement.getByText('Not enforced').waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('baseline-delete').click();
    await page.waitForURL(`${oc.url}/baselines`);
    expect((await oc.query(`{ baseline(id: "${BASELINE}") { id } }`)).baseline).toBeNull();
  });
});
