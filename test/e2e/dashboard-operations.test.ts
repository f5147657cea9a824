import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

const WORKERS = 3;
const stepRow = (state = '') => `[data-testid="step-row"]${state && `[data-state="${state}"]`}`;

/** Fleet operations from the dashboard, in headless Chromium, against a real OC, agent and worker processes. */
describe('fleet operations in the dashboard', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let browser: Browser;
  let page: Page;
  let clusterId: string;
  let operationId: string;

  beforeAll(async () => {
    oc = await LiveOc.start();
    clusterId = await oc.createCluster('web');
    agent = await LiveAgent.create(oc, {
      cluster: 'web',
      workers: WORKERS,
      enrollmentToken: await oc.enrollmentToken('web'),
      workerArgs: () => ['--start-delay', '300ms'],
    });
    agent.start();
    await oc.eventually(
      () => oc.statuses('web'),
      (statuses) => Object.keys(statuses).length === WORKERS + 1 && Object.values(statuses).every((node) => node.status === 'UP'),
      60_000,
    );
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    agent?.dispose();
    await oc?.dispose();
  });

  it('starts a rolling restart from the cluster page: a bad strategy is explained, the plan is shown before anything runs', async () => {
    await page.goto(`${oc.url}/clusters/${clusterId}`);
    await page.getByTestId('rolling-restart').click();
    await page.waitForURL((url) => url.pathname === '/operations/new' && url.searchParams.get('cluster') === 'web');
    // The cluster the link came from is already chosen.
    expect(await page.locator('[data-testid="target-cluster"][value="web"]').isChecked()).toBe(true);

    // 10% of three workers rounds down to no node at all: the OC refuses the plan and says why.
    await page.getByTestId('strategy-maxUnavailable').fill('10%');
    await page.getByTestId('plan-button').click();
    await page.getByTestId('plan-error').waitFor();
    expect(await page.getByTestId('plan-error').textContent()).toMatch(/rounds down to 0/);
    expect(await page.getByTestId('plan-preview').count()).toBe(0);

    // A malformed duration is caught in the form, before asking the OC.
    await page.getByTestId('strategy-maxUnavailable').fill('1');
    await page.getByTestId('strategy-minHealthyTime').fill('soon');
    await page.getByTestId('plan-button').click();
    await page.locator('[data-testid="strategy-minHealthyTime"][aria-invalid="true"]').waitFor();

    await page.getByTestId('strategy-minHealthyTime').fill('1s');
    await page.getByTestId('operation-description').fill('apply the security patch');
    await page.getByTestId('plan-button').click();
    await page.getByTestId('plan-preview').waitFor();
    expect(await page.getByTestId('plan-batch').count()).toBe(WORKERS);
    expect(await page.getByTestId('plan-budget').textContent()).toMatch(/web.*up to 1 of 3/);
    expect(await oc.query(`{ operations(first: 1) { totalCount } }`)).toMatchObject({ operations: { totalCount: 0 } });
    await screenshot(page, 'operations-plan-preview');

    await page.getByTestId('confirm-operation').click();
    await page.waitForURL((url) => /^\/operations\/[^/]+$/.test(url.pathname) && url.pathname !== '/operations/new');
    operationId = new URL(page.url()).pathname.split('/').pop() ?? '';
    expect(operationId).not.toBe('');
  });

  it('shows the operation live until every step has succeeded, without a reload', async () => {
    await page
      .locator(stepRow())
      .nth(WORKERS - 1)
      .waitFor();
    // Record every step state that appears on screen, and mark the page: a reload would lose both.
    await page.evaluate(() => {
      const seen = new Set<string>();
      const record = () => {
        for (const row of document.querySelectorAll('[data-testid="step-row"]')) seen.add(row.getAttribute('data-state') ?? '');
      };
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
      Object.assign(window, { seenStepStates: seen, notReloaded: true });
    });

    await page.locator(stepRow('SUCCEEDED')).first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'operations-live-running');
    await page.locator('[data-testid="operation-state"][data-state="SUCCEEDED"]').waitFor({ timeout: 90_000 });
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="step-row"][data-state="SUCCEEDED"]').length === count, WORKERS);

    const seen = await page.evaluate(() => [...(window as unknown as { seenStepStates: Set<string> }).seenStepStates]);
    // Steps were seen in flight and then done: the page followed the operation as it ran.
    expect(seen).toEqual(expect.arrayContaining(['SUCCEEDED']));
    expect(seen.some((state) => state === 'DISPATCHED' || state === 'RESTARTED')).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.getByTestId('operation-progress').getAttribute('data-done')).toBe(String(WORKERS));
    // A finished operation cannot be paused or cancelled any more.
    expect(await page.getByTestId('operation-cancel').isDisabled()).toBe(true);
    expect(await page.getByTestId('operation-pause').isDisabled()).toBe(true);
    for (const row of await page.locator(stepRow()).all()) expect(await row.textContent()).toMatch(/\d\d:\d\d:\d\d.*\d\d:\d\d:\d\d/);
    await screenshot(page, 'operations-live-succeeded');
  });

  it('lists operations newest first, filtered by state in the URL', async () => {
    await page.goto(`${oc.url}/operations`);
    const row = page.locator(`[data-testid="operation-row"][data-operation-id="${operationId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('SUCCEEDED');
    expect(await row.textContent()).toMatch(/Rolling restart of cluster web/);

    await page.getByTestId('filter-state').selectOption('FAILED');
    await page.waitForURL((url) => url.searchParams.get('state') === 'FAILED');
    await page.getByText('No operation matches these filters').waitFor();
    await page.getByTestId('filter-state').selectOption('SUCCEEDED');
    await row.waitFor();
    await screenshot(page, 'operations-list');

    await row.getByRole('link').click();
    await page.waitForURL((url) => url.pathname === `/operations/${operationId}`);
    await page.locator('[data-testid="operation-state"][data-state="SUCCEEDED"]').waitFor();
  });

  it('creates a schedule after showing its next runs, and explains an invalid expression', async () => {
    await page.goto(`${oc.url}/schedules`);
    await page.getByTestId('new-schedule').click();
    await page.getByTestId('schedule-name').fill('nightly web restart');
    await page.getByTestId('schedule-timezone').fill('Europe/London');

    await page.getByTestId('schedule-cron').fill('61 * * * *');
    await page.getByTestId('schedule-preview-error').waitFor();
    expect(await page.getByTestId('schedule-save').isDisabled()).toBe(true);

    await page.getByTestId('schedule-cron').fill('30 2 * * *');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="schedule-next-run"]').length === 5);
    expect(await page.getByTestId('schedule-next-run').first().textContent()).toMatch(/02:30/);
    await page.locator('[data-testid="target-cluster"][value="web"]').check();
    await screenshot(page, 'schedules-form');

    // Names are identifiers: the OC's reason for refusing one is shown as it gave it.
    await page.getByTestId('schedule-save').click();
    await page.getByTestId('schedule-save-error').waitFor();
    expect(await page.getByTestId('schedule-save-error').textContent()).toMatch(/may use only letters, digits/);

    await page.getByTestId('schedule-name').fill('nightly-web-restart');
    await page.getByTestId('schedule-save').click();
    const row = page.locator('[data-testid="schedule-row"][data-schedule-name="nightly-web-restart"]');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/cluster web/);
    expect(await row.getByTestId('schedule-row-next-run').count()).toBeGreaterThan(0);
    await screenshot(page, 'schedules-list');

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.locator('[data-testid="schedule-row"][data-schedule-name="nightly-web-restart"][data-enabled="false"]').waitFor();
  });

  it('reports availability with the restart as planned downtime, a chart and a CSV download', async () => {
    await page.goto(`${oc.url}/availability?target=cluster&value=web&window=1h`);
    await page.getByTestId('availability-summary').waitFor();
    await page.locator('[data-testid="availability-chart"][data-buckets="12"]').waitFor();
    // Each node's start-up, from joining to its first heartbeat, is not downtime of any kind.
    expect(await page.getByTestId('interval-kind-UNKNOWN').textContent()).toBe('Unknown (0)');
    const shownSeconds = await page
      .getByTestId('downtime-duration')
      .evaluateAll((cells) =>
        cells.map((cell) =>
          [...(cell.textContent ?? '').matchAll(/(\d+)([dhms])/g)].reduce(
            (sum, [, amount, unit]) => sum + Number(amount) * { d: 86_400, h: 3_600, m: 60, s: 1 }[unit as 'd'],
            0,
          ),
        ),
      );
    expect(shownSeconds.length).toBeGreaterThan(0);
    await page.getByTestId('interval-kind-PLANNED').click();
    await page.waitForURL((url) => url.searchParams.get('kind') === 'PLANNED');
    await page.locator('[data-testid="downtime-row"][data-kind="PLANNED"]').first().waitFor();
    // Planned downtime links back to the operation that caused it.
    expect(await page.getByTestId('downtime-operation').first().getAttribute('href')).toBe(`/operations/${operationId}`);
    await screenshot(page, 'availability');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('availability-csv').click()]);
    expect(download.suggestedFilename()).toBe('availability-cluster-web-1h.csv');
    const csv = fs.readFileSync((await download.path()) ?? '', 'utf8');
    const [header, ...lines] = csv.trim().split('\n');
    expect(header).toBe('node,cluster,kind,from,to,duration_seconds,operation,cause');
    expect(csv).toMatch(/PLANNED|planned/);
    // The same durations on the page and in the CSV, rounded the same way.
    expect(lines.map((line) => Number(line.split(',')[5]))).toEqual(shownSeconds);
    // The CSV stays machine-readable whatever the browser's locale: ISO 8601 times.
    for (const line of lines) expect(line.split(',')[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('restarts a DOWN node from its page, after showing the plan, and follows it on the operation page', async () => {
    process.kill(agent.pid('web-2'), 'SIGKILL');
    const statuses = await oc.eventually(
      () => oc.statuses('web'),
      (value) => value['web-2'].status === 'DOWN',
      30_000,
    );
    await page.goto(`${oc.url}/nodes/${statuses['web-2'].id}`);
    await page.locator('[data-testid="node-status"][data-status="DOWN"]').waitFor();
    await page.getByTestId('restart-node').click();
    const dialog = page.getByTestId('restart-dialog');
    await dialog.getByTestId('plan-preview').waitFor();
    expect(await dialog.getByTestId('plan-batch').count()).toBe(1);
    expect(await dialog.getByTestId('plan-batch').textContent()).toMatch(/web-2.*web.*Down/);
    expect(await dialog.getByTestId('plan-budget').textContent()).toMatch(/web-2 is DOWN itself: restarting it takes nothing more down/);
    const operationsBefore = (await oc.query(`{ operations(first: 1) { totalCount } }`)).operations.totalCount;
    await screenshot(page, 'restart-node-confirm', { fullPage: false });

    // Cancelling the confirmation starts nothing.
    await dialog.getByTestId('restart-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect((await oc.query(`{ operations(first: 1) { totalCount } }`)).operations.totalCount).toBe(operationsBefore);

    await page.getByTestId('restart-node').click();
    await dialog.getByTestId('plan-preview').waitFor();
    await dialog.getByTestId('restart-confirm').click();
    await page.waitForURL((url) => /^\/operations\/[^/]+$/.test(url.pathname));
    await page.locator('[data-testid="operation-state"][data-state="SUCCEEDED"]').waitFor({ timeout: 60_000 });
    expect(await page.locator(stepRow('SUCCEEDED')).count()).toBe(1);
    expect(await page.locator(stepRow()).textContent()).toMatch(/web-2/);
    await screenshot(page, 'restart-node-succeeded');
    await oc.eventually(
      () => oc.statuses('web'),
      (value) => value['web-2'].status === 'UP',
    );
  });

  it('restarts the nodes selected on the cluster page, one batch each', async () => {
    await page.goto(`${oc.url}/clusters/${clusterId}`);
    for (const name of ['web-1', 'web-3']) await page.getByLabel(`Select ${name}`).check();
    await screenshot(page, 'restart-selection-bar');
    await page.getByTestId('selection-restart').click();
    const dialog = page.getByTestId('restart-dialog');
    await dialog.getByTestId('plan-preview').waitFor();
    expect(await dialog.getByRole('heading', { level: 2 }).first().textContent()).toBe('Restart 2 nodes');
    expect(await dialog.getByTestId('plan-batch').allTextContents()).toEqual([expect.stringMatching(/web-1/), expect.stringMatching(/web-3/)]);
    await screenshot(page, 'restart-selection-confirm', { fullPage: false });
    await dialog.getByTestId('restart-confirm').click();
    await page.waitForURL((url) => /^\/operations\/[^/]+$/.test(url.pathname));
    await page.locator('[data-testid="operation-state"][data-state="SUCCEEDED"]').waitFor({ timeout: 90_000 });
    expect((await page.locator(stepRow('SUCCEEDED')).allTextContents()).map((text) => text.match(/web-\d/)?.[0])).toEqual(['web-1', 'web-3']);
  });

  it('offers no restart to a viewer', async () => {
    await oc.query(`mutation { createUser(username: "watcher", role: VIEWER, password: "password-of-watcher") { __typename } }`);
    const viewer = await loggedInPage(browser, oc, { username: 'watcher', password: 'password-of-watcher' });
    const statuses = await oc.statuses('web');
    await viewer.goto(`${oc.url}/nodes/${statuses['web-1'].id}`);
    await viewer.locator('[data-testid="node-status"]').waitFor();
    expect(await viewer.getByTestId('restart-node').count()).toBe(0);
    await viewer.goto(`${oc.url}/clusters/${clusterId}`);
    await viewer.locator('[data-testid="node-row"]').first().waitFor();
    expect(await viewer.getByLabel('Select web-1').count()).toBe(0);
    await viewer.context().close();
  });
});
