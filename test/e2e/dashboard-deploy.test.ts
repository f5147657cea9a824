import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

const SHOP = 'shop';
const WORKERS = ['shop-1', 'shop-2'];
const BASELINE = 'shop-fixes';
const PATCH = 'hotfix-8.jar';
const PATCH_BYTES = 'hotfix 8 for the shop workers';
const NEXT_PATCH = 'hotfix-9.jar';

const cell = (node: string, item: string) => `[data-testid="drift-node"][data-node-name="${node}"] td[data-item-name="${item}"]`;
const stepStates = (page: Page) =>
  page
    .getByTestId('step-row')
    .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-node-name'), row.getAttribute('data-phase'), row.getAttribute('data-state')]));

/** A DEPLOY started from the dashboard, in headless Chromium, against a real OC, agent and worker processes. */
describe('deploys in the dashboard', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let shop: LiveAgent;
  let browser: Browser;
  let page: Page;

  /** What the OC and the agent logged, to read when a deploy does not go as expected. */
  const logs = () => `--- OC ---\n${oc.process.output()}\n--- agent ---\n${shop.process.output()}`;

  async function waitForOperation(state: string): Promise<void> {
    try {
      await page.locator(`[data-testid="operation-state"][data-state="${state}"]`).waitFor({ timeout: 60_000 });
    } catch (error) {
      throw new Error(`the deploy did not end ${state}; steps ${JSON.stringify(await stepStates(page))}\n${logs()}`, { cause: error });
    }
  }

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
    shop = await LiveAgent.create(oc, {
      cluster: SHOP,
      workers: WORKERS.length,
      enrollmentToken: await oc.enrollmentToken(SHOP),
      // A restart into an unhealthy worker waits this long before the manager's own deadline starts: see the revert below.
      startTimeout: '6s',
    });
    shop.start();
    await oc.eventually(
      () => oc.statuses(SHOP),
      (nodes) => WORKERS.every((name) => nodes[name]?.status === 'UP'),
      60_000,
    );
    await createBaseline(BASELINE, await upload(PATCH, '8', PATCH_BYTES));
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    shop?.dispose();
    await oc?.dispose();
  });

  it('deploys a baseline from its page: the plan lists each worker’s change, the operation page follows it to the end', async () => {
    // The inventory arrives with the agent's next report; the drift page refetches on it.
    await page.goto(`${oc.url}/drift?cluster=${SHOP}`);
    for (const worker of WORKERS) await page.locator(`${cell(worker, PATCH)}[data-state="MISSING"]`).waitFor({ timeout: 30_000 });

    await page.goto(`${oc.url}/baselines/${BASELINE}`);
    await page.getByTestId('baseline-deploy').click();
    const dialog = page.getByTestId('deploy-dialog');
    await dialog.getByTestId('plan-preview').waitFor();
    expect(await dialog.getByRole('heading', { name: `Deploy to cluster ${SHOP}` }).count()).toBe(1);

    // A changed strategy needs a new plan before anything can start.
    await dialog.getByTestId('strategy-minHealthyTime').fill('1s');
    expect(await dialog.getByTestId('deploy-confirm').isDisabled()).toBe(true);
    await dialog.getByTestId('strategy-rollbackOnFailure').check();
    await dialog.getByTestId('deploy-replan').click();
    await dialog.getByTestId('deploy-replan').waitFor({ state: 'detached' });

    for (const worker of WORKERS) {
      expect(await dialog.locator(`[data-testid="plan-node"][data-node-name="${worker}"] [data-testid="plan-change"]`).textContent()).toContain(`${PATCH} 8`);
    }
    expect(await dialog.getByTestId('plan-warning').count()).toBe(0);
    expect(await dialog.getByTestId('deploy-confirm').textContent()).toBe('Deploy to 2 workers');
    await screenshot(page, 'deploy-dialog', { fullPage: false });

    await dialog.getByTestId('deploy-confirm').click();
    await page.waitForURL((url) => /^\/operations\/[^/]+$/.test(url.pathname));
    await page.getByRole('heading', { name: `Deploy of cluster ${SHOP}` }).waitFor();
    await waitForOperation('SUCCEEDED');
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="step-row"][data-state="SUCCEEDED"]').length === count, WORKERS.length);
    expect((await stepStates(page)).sort()).toEqual(WORKERS.map((worker) => [worker, 'APPLY', 'SUCCEEDED']));
    for (const change of await page.getByTestId('step-change').allTextContents()) expect(change.trim()).toBe(`${PATCH} 8`);
    expect(await page.getByTestId('operation-progress').getAttribute('data-done')).toBe(String(WORKERS.length));
    for (const worker of WORKERS) expect(fs.readFileSync(path.join(shop.patchesDir(worker), PATCH), 'utf8')).toBe(PATCH_BYTES);
    await screenshot(page, 'deploy-operation');

    await page.goto(`${oc.url}/operations?kind=DEPLOY`);
    await page
      .getByTestId('operation-row')
      .getByRole('link', { name: `Deploy of cluster ${SHOP}` })
      .waitFor();
  });

  it('shows the workers in sync on the drift page, whose deploy then has nothing to do', async () => {
    await page.goto(`${oc.url}/drift?cluster=${SHOP}`);
    for (const worker of WORKERS) await page.locator(`${cell(worker, PATCH)}[data-state="IN_SYNC"]`).waitFor({ timeout: 30_000 });
    await screenshot(page, 'deploy-drift-in-sync');

    await page.getByTestId('drift-deploy').click();
    const dialog = page.getByTestId('deploy-dialog');
    await dialog.getByTestId('plan-preview').waitFor();
    expect(await dialog.getByTestId('plan-warning').allTextContents()).toEqual([expect.stringMatching(/^Nothing to deploy/)]);
    expect(await dialog.getByTestId('deploy-confirm').isDisabled()).toBe(true);
    expect(await dialog.getByTestId('deploy-blocker').textContent()).toBe('Every worker is in sync.');
    await screenshot(page, 'deploy-dialog-nothing', { fullPage: false });
    await dialog.getByTestId('deploy-cancel').click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('shows a deploy whose worker does not stay healthy: the manager’s revert, the failure, and the rollback of the worker it had changed', async () => {
    await createBaseline('shop-next', await upload(NEXT_PATCH, '9', 'hotfix 9, which shop-2 does not survive'));
    fs.writeFileSync(shop.failFile('shop-2'), 'the next start of shop-2 stays unhealthy');
    const runningBefore = shop.pid('shop-2');
    await page.goto(`${oc.url}/drift?cluster=${SHOP}`);
    for (const worker of WORKERS) await page.locator(`${cell(worker, NEXT_PATCH)}[data-state="MISSING"]`).waitFor({ timeout: 30_000 });

    await page.getByTestId('drift-deploy').click();
    const dialog = page.getByTestId('deploy-dialog');
    await dialog.getByTestId('plan-preview').waitFor();
    await dialog.getByTestId('strategy-minHealthyTime').fill('1s');
    // The manager waits up to startTimeout and then this long before it reverts the change; the
    // OC waits twice this long before it gives up on the step, which must leave the revert time to report.
    await dialog.getByTestId('strategy-healthyDeadline').fill('15s');
    await dialog.getByTestId('strategy-rollbackOnFailure').check();
    await dialog.getByTestId('deploy-replan').click();
    await dialog.getByTestId('deploy-replan').waitFor({ state: 'detached' });
    await dialog.getByTestId('deploy-confirm').click();
    await page.waitForURL((url) => /^\/operations\/[^/]+$/.test(url.pathname));

    // A worker reads its fail file as it starts: once the run with hotfix 9 answers unhealthy, the
    // file goes, so that the run on the files put back is healthy, as after a bad patch.
    const health = `http://127.0.0.1:${shop.ports[1]}/health`;
    await oc.eventually(
      async () =>
        shop.pid('shop-2') !== runningBefore &&
        (await fetch(health).then(
          (response) => response.status,
          () => 0,
        )) === 503,
      (unhealthy) => unhealthy,
      30_000,
    );
    fs.rmSync(shop.failFile('shop-2'));

    await waitForOperation('FAILED');
    expect(await stepStates(page)).toEqual([
      ['shop-1', 'APPLY', 'SUCCEEDED'],
      ['shop-2', 'APPLY', 'REVERTED'],
      ['shop-1', 'ROLLBACK', 'SUCCEEDED'],
    ]);
    const reverted = page.locator('[data-testid="step-row"][data-state="REVERTED"]');
    expect(await reverted.getByText('Reverted', { exact: true }).count()).toBe(1);
    expect(await reverted.locator('.message').textContent()).toMatch(/^reverted: /);
    expect(await page.locator('[data-testid="step-row"][data-phase="ROLLBACK"]').getByText('rollback', { exact: true }).count()).toBe(1);
    expect(await page.getByTestId('progress-failed').textContent()).toMatch(/1 failed, 1 of them reverted by the manager/);
    expect(await page.getByTestId('operation-reason').textContent()).toMatch(/rolled back 1 node/);
    expect(fs.existsSync(path.join(shop.patchesDir('shop-1'), NEXT_PATCH))).toBe(false);
    await screenshot(page, 'deploy-rolled-back');
  });

  it('refuses to start a deploy while two baselines want one file in different versions, and says which', async () => {
    await createBaseline('shop-other', await upload(NEXT_PATCH, '10', 'hotfix 9, rebuilt as version 10'));
    await page.goto(`${oc.url}/drift?cluster=${SHOP}`);
    await page.getByTestId('drift-deploy').click();
    const dialog = page.getByTestId('deploy-dialog');
    await dialog.getByTestId('plan-preview').waitFor();

    const conflicts = await dialog.locator('[data-testid="plan-warning"].conflict').allTextContents();
    expect(conflicts.sort()).toEqual(WORKERS.map((worker) => `${SHOP}/${worker}: PATCH ${NEXT_PATCH} is wanted as 9 by "shop-next" and 10 by "shop-other"`));
    expect(await dialog.getByTestId('deploy-confirm').isDisabled()).toBe(true);
    expect(await dialog.getByTestId('deploy-blocker').textContent()).toBe('Baselines disagree (2 conflicts above): make them agree before deploying.');
    await screenshot(page, 'deploy-dialog-conflict', { fullPage: false });
  });
});
