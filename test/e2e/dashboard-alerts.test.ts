import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const CLUSTER = 'billing';
const WORKER = 'billing-1';
const CHANNEL = 'on-call';
const RULE = 'worker-down';
const DRIFT_RULE = 'config-drift';
const POLICY = 'restart-billing';
const ACK_COMMENT = 'restarting it by hand, ticket OPS-7';

const alertRow = '[data-testid="alert-row"]';
const navCount = '[data-testid="nav-firing-count"]';

/** The alerting pages in headless Chromium against a real OC, agent and worker, with a webhook receiver. */
describe('alerts in the dashboard', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let browser: Browser;
  let page: Page;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;

  const markPage = (target: Page) =>
    target.evaluate(() => {
      Object.assign(window, { notReloaded: true });
    });
  const stillSamePage = (target: Page) => target.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);

  beforeAll(async () => {
    // Evaluated every second, so that a dead worker is an alert at once rather than in 15 s, and
    // healed as soon as its policy is turned on.
    oc = await LiveOc.start({ OPSCENTER_ALERT_EVALUATION_INTERVAL: '1s', OPSCENTER_REMEDIATION_INTERVAL: '1s' });
    await oc.createCluster(CLUSTER);
    agent = await LiveAgent.create(oc, { cluster: CLUSTER, workers: 1, enrollmentToken: await oc.enrollmentToken(CLUSTER) });
    agent.start();
    await oc.eventually(
      () => oc.statuses(CLUSTER),
      (nodes) => Object.values(nodes).filter((node) => node.status === 'UP').length === 2,
      60_000,
    );
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    agent?.dispose();
    await oc?.dispose();
  });

  it('creates a webhook channel with a secret generated in the browser, and delivers a signed test', async () => {
    await page.goto(`${oc.url}/alerts`);
    await page.getByRole('navigation', { name: 'Alerting' }).getByRole('link', { name: 'Channels' }).click();
    await page.waitForURL((url) => url.pathname === '/alerts/channels');
    await page.getByRole('heading', { name: 'No channels yet' }).waitFor();
    await page.getByTestId('new-channel').click();
    await page.getByTestId('channel-name').fill(CHANNEL);
    await page.getByTestId('channel-generate-secret').click();
    const secret = await page.getByTestId('channel-secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByTestId('channel-secret-notice').waitFor();
    // The receiver checks signatures with the secret the browser made: the OC stored it as given.
    receiver = await startWebhookReceiver(secret);
    await page.getByTestId('channel-url').fill(receiver.url);
    await screenshot(page, 'alerts-channel-form');
    await page.getByTestId('channel-save').click();

    const row = page.locator(`[data-testid="channel-row"][data-channel-name="${CHANNEL}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('secret set');
    // Sending a test opens the channel's outbox, to follow its delivery.
    await row.getByTestId('channel-test').click();
    await page.locator('[data-testid="channel-outbox"] [data-testid="notification-row"][data-state="DELIVERED"]').waitFor();
    expect(receiver.received.filter((delivery) => delivery.verified)).toHaveLength(1);
    await page.locator('[data-testid="channel-outbox"] summary').first().click();
    await screenshot(page, 'alerts-channels-outbox');

    // Editing shows the secret as set and keeps it when left blank.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByTestId('channel-secret-set').waitFor();
    expect(await page.getByTestId('channel-secret').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('creates a rule in the editor, showing the OC’s refusal next to the field it names', async () => {
    await page.getByRole('navigation', { name: 'Alerting' }).getByRole('link', { name: 'Rules' }).click();
    await page.waitForURL((url) => url.pathname === '/alerts/rules');
    await page.getByTestId('new-rule').click();
    await page.getByTestId('rule-name').fill(RULE);
    await page.getByTestId('rule-severity').selectOption('CRITICAL');
    await page.getByTestId('rule-description').fill('{{node}} in {{cluster}} is down');
    await page.getByTestId('target-clusters').check();
    await page
      .getByTestId('target-cluster')
      .and(page.locator(`[value="${CLUSTER}"]`))
      .check();
    await page.getByTestId('rule-channels').getByLabel(CHANNEL).check();

    await page.getByTestId('rule-condition-kind').selectOption('STATISTIC');
    const above = page.getByTestId('rule-condition').getByLabel('Average above');
    await above.fill('150');
    await page.getByTestId('rule-save').click();
    await page.getByTestId('rule-condition').getByText('above must be a percentage between 0 and 100 for CPU.').waitFor();
    await screenshot(page, 'alerts-rule-form-refused');

    await page.getByTestId('rule-condition-kind').selectOption('NODE_STATUS');
    await page.getByTestId('rule-save').click();
    const row = page.locator(`[data-testid="rule-row"][data-rule-name="${RULE}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(CHANNEL);
    expect(await row.textContent()).toContain('A node has a status');
    await screenshot(page, 'alerts-rules');

    // Editing starts from the stored rule, its cluster named as it was chosen.
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByTestId('rule-name').inputValue()).toBe(RULE);
    expect(await page.getByTestId('rule-condition-kind').inputValue()).toBe('NODE_STATUS');
    expect(
      await page
        .getByTestId('target-cluster')
        .and(page.locator(`[value="${CLUSTER}"]`))
        .isChecked(),
    ).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();

    // The conditions added later are in the editor too: drift (no baselines here, so it stays quiet).
    await page.getByTestId('new-rule').click();
    await page.getByTestId('rule-name').fill(DRIFT_RULE);
    await page.getByTestId('rule-condition-kind').selectOption('DRIFT');
    await page.getByTestId('rule-min-files').fill('3');
    await page.getByTestId('rule-save').click();
    const drift = page.locator(`[data-testid="rule-row"][data-rule-name="${DRIFT_RULE}"]`);
    await drift.waitFor();
    expect(await drift.textContent()).toContain('3 or more files out of sync');
    await drift.getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByTestId('rule-min-files').inputValue()).toBe('3');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows a killed worker’s alert and the navigation count live, without a reload', async () => {
    await page.getByRole('navigation', { name: 'Alerting' }).getByRole('link', { name: 'Alerts' }).click();
    await page.waitForURL((url) => url.pathname === '/alerts');
    await page.getByTestId('alerts-empty').waitFor();
    expect(await page.locator(navCount).textContent()).toBe('0');
    await markPage(page);

    process.kill(agent.pid(WORKER), 'SIGKILL');

    const row = page.locator(`${alertRow}[data-state="FIRING"]`);
    await row.waitFor({ timeout: 30_000 });
    await page.locator(`${navCount}.firing`).filter({ hasText: '1' }).waitFor();
    expect(await stillSamePage(page)).toBe(true);
    const text = await row.textContent();
    expect(text).toContain(RULE);
    expect(text).toContain(WORKER);
    expect(text).toContain(`${WORKER} in ${CLUSTER} is down`);
    expect(await row.getByRole('link', { name: WORKER }).getAttribute('href')).toMatch(/^\/nodes\//);
    await screenshot(page, 'alerts-firing');
    // The receiver hears of it too, signed.
    await oc.eventually(
      async () => receiver?.received.filter((delivery) => delivery.verified).length ?? 0,
      (count) => count >= 2,
    );
  });

  it('acknowledges the alert with a comment and silences it with matchers made from it', async () => {
    const row = page.locator(alertRow).first();
    await row.getByTestId('alert-acknowledge').click();
    const acknowledge = page.getByTestId('acknowledge-dialog');
    await acknowledge.getByTestId('acknowledge-comment').fill(ACK_COMMENT);
    await screenshot(page, 'alerts-acknowledge-dialog', { fullPage: false });
    await acknowledge.getByTestId('acknowledge-confirm').click();
    await row.getByTestId('alert-acknowledged').filter({ hasText: ACK_COMMENT }).waitFor();
    expect(await row.getByTestId('alert-acknowledge').count()).toBe(0);

    await row.getByTestId('alert-silence').click();
    const silence = page.getByTestId('silence-dialog');
    const matchers = await silence
      .getByTestId('silence-matcher')
      .evaluateAll((rows) =>
        rows.map((matcher) => [...matcher.querySelectorAll('input[type="text"]')].map((input) => (input as HTMLInputElement).value).join('=')),
      );
    expect(matchers).toEqual([`alertname=${RULE}`, `cluster=${CLUSTER}`, `node=${WORKER}`]);
    expect(await silence.getByTestId('silence-duration').inputValue()).toBe('2h');
    await silence.getByTestId('silence-comment').fill('replacing its disk');
    await screenshot(page, 'alerts-silence-dialog', { fullPage: false });
    await silence.getByTestId('silence-save').click();

    // Silenced, it leaves the firing tab and the count, and shows among the held-back ones.
    await page.getByTestId('alerts-empty').waitFor();
    await page.locator(navCount).filter({ hasText: '0' }).waitFor();
    expect(await page.locator(`${navCount}.firing`).count()).toBe(0);
    await page.getByTestId('alerts-tab-suppressed').click();
    await page.locator(alertRow).getByTestId('alert-silenced').waitFor();
    expect(await stillSamePage(page)).toBe(true);
    await screenshot(page, 'alerts-silenced');
  });

  it('keeps the alert’s history for a postmortem on its page', async () => {
    await page.locator(alertRow).getByRole('link', { name: RULE }).click();
    await page.waitForURL(/\/alerts\/[^/]+$/);
    const entries = page.getByTestId('alert-history-entry');
    await entries.and(page.locator('[data-kind="SILENCED"]')).waitFor();
    const kinds = await entries.evaluateAll((items) => items.map((item) => item.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['FIRING', 'NOTIFIED', 'ACKNOWLEDGED', 'SILENCED']));
    const acknowledged = entries.and(page.locator('[data-kind="ACKNOWLEDGED"]'));
    expect(await acknowledged.textContent()).toContain(ACK_COMMENT);
    expect(await acknowledged.textContent()).toContain('admin');
    expect(await page.getByTestId('alert-acknowledgement').textContent()).toContain(ACK_COMMENT);
    expect(await page.getByTestId('alert-state').textContent()).toContain('Firing');
    await screenshot(page, 'alerts-detail');

    await page.goto(`${oc.url}/alerts/silences`);
    const silenceRow = page.locator('[data-testid="silence-row"][data-state="active"]');
    await silenceRow.waitFor();
    expect(await silenceRow.textContent()).toContain(`node=${WORKER}`);
    await screenshot(page, 'alerts-silences');
  });

  it('creates a self-healing policy in its editor, showing the OC’s refusal next to the field it names', async () => {
    await page.getByRole('navigation', { name: 'Alerting' }).getByRole('link', { name: 'Self-healing' }).click();
    await page.waitForURL((url) => url.pathname === '/alerts/policies');
    await page.getByRole('heading', { name: 'No self-healing policies yet' }).waitFor();
    await page.getByTestId('new-policy').click();
    await page.getByTestId('policy-name').fill(POLICY);
    const cluster = page.getByTestId('target-cluster').and(page.locator(`[value="${CLUSTER}"]`));
    await cluster.check();
    await page.getByTestId('policy-for').fill('5s');
    // Off for now: the worker killed above stays dead until the last test turns it on.
    await page.getByTestId('policy-enabled').uncheck();
    await page.getByTestId('policy-max-restarts').fill('50');
    await page.getByTestId('policy-save').click();
    await page.getByTestId('policy-form').getByText('maxRestartsPerHour must be a whole number from 1 to 20.').waitFor();
    await screenshot(page, 'alerts-policy-form-refused');

    await page.getByTestId('policy-max-restarts').fill('2');
    await page.getByTestId('policy-save').click();
    const row = page.locator(`[data-testid="policy-row"][data-policy-name="${POLICY}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-enabled')).toBe('false');
    const text = await row.textContent();
    expect(text).toContain(`cluster ${CLUSTER}`);
    expect(text).toContain('Down for 5s');
    expect(text).toContain('2 restarts per node an hour');

    // Editing starts from the stored policy, its cluster named as it was chosen.
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByTestId('policy-max-restarts').inputValue()).toBe('2');
    expect(await cluster.isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows viewers every alerting page without actions', async () => {
    await oc.query(`mutation { createUser(username: "reader", role: VIEWER, password: "password-of-reader") { __typename } }`);
    const viewer = await loggedInPage(browser, oc, { username: 'reader', password: 'password-of-reader' });
    try {
      await viewer.goto(`${oc.url}/alerts?tab=suppressed`);
      await viewer.locator(alertRow).waitFor();
      expect(await viewer.getByTestId('alert-acknowledge').count()).toBe(0);
      expect(await viewer.getByTestId('alert-silence').count()).toBe(0);
      await screenshot(viewer, 'alerts-viewer');
      await viewer.goto(`${oc.url}/alerts/rules`);
      await viewer.locator('[data-testid="rule-row"]').first().waitFor();
      expect(await viewer.getByTestId('new-rule').count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      await viewer.goto(`${oc.url}/alerts/channels`);
      await viewer.locator('[data-testid="channel-row"]').waitFor();
      expect(await viewer.getByTestId('new-channel').count()).toBe(0);
      expect(await viewer.getByTestId('channel-test').count()).toBe(0);
      await viewer.goto(`${oc.url}/alerts/silences`);
      await viewer.locator('[data-testid="silence-row"]').waitFor();
      expect(await viewer.getByTestId('silence-expire').count()).toBe(0);
      await viewer.goto(`${oc.url}/alerts/policies`);
      await viewer.locator('[data-testid="policy-row"]').waitFor();
      expect(await viewer.getByTestId('new-policy').count()).toBe(0);
      expect(await viewer.getByTestId('policy-toggle').count()).toBe(0);
    } finally {
      await viewer.context().close();
    }
  });

  it('heals the dead worker once its policy is turned on, linking the restart it started', async () => {
    const row = page.locator(`[data-testid="policy-row"][data-policy-name="${POLICY}"]`);
    await row.getByTestId('policy-toggle').click();
    await page.locator(`[data-testid="policy-row"][data-policy-name="${POLICY}"][data-enabled="true"]`).waitFor();
    // No event announces the action; the restart's status changes of the node bring it.
    const action = page.locator(`[data-testid="policy-activity"][data-policy-name="${POLICY}"] [data-testid="policy-action"][data-outcome="RESTARTED"]`);
    await action.waitFor({ timeout: 30_000 });
    expect(await action.textContent()).toContain(WORKER);
    expect(await action.getByTestId('policy-action-operation').getAttribute('href')).toMatch(/^\/operations\/[^/]+$/);
    await screenshot(page, 'alerts-policies');
  });
});
