import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LIVE_PASSWORD, LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

/** A small demo fleet: each cluster has its manager plus this many real worker processes. */
const FLEET = { 'app-servers': 3, esb: 2 } as const;
const NODE_COUNT = Object.values(FLEET).reduce((sum, workers) => sum + workers + 1, 0);

const row = (name: string, status = '') => `[data-testid="node-row"][data-node-name="${name}"]${status && `[data-status="${status}"]`}`;
const cell = (name: string, status = '') => `[data-testid="topology-node"][data-node-name="${name}"]${status && `[data-status="${status}"]`}`;
const card = (cluster: string) => `[data-testid="cluster-card"][data-cluster-name="${cluster}"]`;

/** The dashboard in headless Chromium against a real OC and real agents with real worker processes. */
describe('dashboard in a real browser', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  const agents: LiveAgent[] = [];
  let browser: Browser;
  let page: Page;
  const clusterIds: Record<string, string> = {};

  beforeAll(async () => {
    oc = await LiveOc.start();
    for (const [cluster, workers] of Object.entries(FLEET)) {
      clusterIds[cluster] = await oc.createCluster(cluster);
      const agent = await LiveAgent.create(oc, { cluster, workers, enrollmentToken: await oc.enrollmentToken(cluster) });
      agents.push(agent);
      agent.start();
    }
    for (const [cluster, workers] of Object.entries(FLEET)) {
      await oc.eventually(
        () => oc.statuses(cluster),
        (statuses) => Object.keys(statuses).length === workers + 1 && Object.values(statuses).every((node) => node.status === 'UP'),
        60_000,
      );
    }
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const agent of agents) agent.dispose();
    await oc?.dispose();
  });

  /** Set before a change on screen and read after it: a reload would have lost it. */
  const markPage = (target: Page) =>
    target.evaluate(() => {
      Object.assign(window, { notReloaded: true });
    });
  const stillSamePage = (target: Page) => target.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);

  it('refuses a wrong password in plain words, then logs in and shows who is logged in', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const login = await context.newPage();
      await login.goto(`${oc.url}/`);
      // Without a session the dashboard sends people to the login page.
      await login.waitForURL((url) => url.pathname === '/login');
      await login.getByTestId('login-username').fill('admin');
      await login.getByTestId('login-password').fill('not-the-password');
      await login.getByTestId('login-submit').click();
      const error = login.getByTestId('login-error');
      await error.waitFor();
      expect(await error.textContent()).toBe('Wrong username or password, or the account is disabled.');
      await screenshot(login, 'login-wrong-password');

      await login.getByTestId('login-password').fill(LIVE_PASSWORD);
      await login.getByTestId('login-submit').click();
      await login.waitForURL((url) => url.pathname === '/');
      await login.getByTestId('current-user').filter({ hasText: 'admin' }).waitFor();
      await login.locator(card('esb')).waitFor();
    } finally {
      await context.close();
    }
  });

  it('shows every cluster on the system view with its worker and node counts', async () => {
    await page.goto(`${oc.url}/`);
    await page
      .locator('[data-testid="cluster-card"]')
      .nth(Object.keys(FLEET).length - 1)
      .waitFor();
    for (const [cluster, workers] of Object.entries(FLEET)) {
      const clusterCard = page.locator(card(cluster));
      expect(await clusterCard.getAttribute('data-health')).toBe('HEALTHY');
      expect(await clusterCard.textContent()).toContain(`${workers}/${workers} workers up`);
      expect(await clusterCard.textContent()).toContain('manager up');
    }
    const tile = (status: string) => page.locator(`[data-testid="status-count"][data-status="${status}"] .value`);
    expect(await tile('UP').textContent()).toBe(String(NODE_COUNT));
    expect(await tile('DOWN').textContent()).toBe('0');
    await screenshot(page, 'system-view');
  });

  it('shows each cluster on the topology with its manager and workers', async () => {
    await page.goto(`${oc.url}/topology`);
    await page
      .locator('[data-testid="topology-node"]')
      .nth(NODE_COUNT - 1)
      .waitFor();
    for (const [cluster, workers] of Object.entries(FLEET)) {
      const box = page.locator(`[data-testid="topology-cluster"][data-cluster-name="${cluster}"]`);
      expect(await box.locator('.manager').getAttribute('data-node-name')).toBe(`${cluster}-manager`);
      const names = await box.locator('[data-testid="topology-node"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-node-name')));
      expect(names).toEqual([`${cluster}-manager`, ...Array.from({ length: workers }, (_, index) => `${cluster}-${index + 1}`)]);
    }
    const statuses = await page.locator('[data-testid="topology-node"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')));
    expect(statuses).toEqual(Array(NODE_COUNT).fill('UP'));
    expect(await page.locator('.subtitle').textContent()).toContain(`${Object.keys(FLEET).length} clusters · ${NODE_COUNT} nodes`);
    await screenshot(page, 'topology');
  });

  it('turns a killed worker DOWN on the open cluster page and topology, without a reload', async () => {
    const victim = 'app-servers-2';
    // Reach the cluster page the way a person would, by its card on the system view.
    await page.goto(`${oc.url}/`);
    await page.locator(card('app-servers')).click();
    await page.waitForURL(`${oc.url}/clusters/${clusterIds['app-servers']}`);
    await page.locator(row(victim, 'UP')).waitFor();
    const topology = await page.context().newPage();
    try {
      await topology.goto(`${oc.url}/topology`);
      await topology.locator(cell(victim, 'UP')).waitFor();
      await markPage(page);
      await markPage(topology);

      process.kill(agents[0].pid(victim), 'SIGKILL');

      await page.locator(row(victim, 'DOWN')).waitFor({ timeout: 30_000 });
      await topology.locator(cell(victim, 'DOWN')).waitFor({ timeout: 30_000 });
      expect(await stillSamePage(page)).toBe(true);
      expect(await stillSamePage(topology)).toBe(true);
      // The rest of the cluster is unaffected, and the header's summary follows the live change.
      for (const name of ['app-servers-1', 'app-servers-3', 'app-servers-manager'])
        expect(await page.locator(row(name)).getAttribute('data-status')).toBe('UP');
      await page.locator('section.header').filter({ hasText: '2/3 up, 1 down' }).waitFor();
      expect(await page.locator(`${row(victim)} .badge`).textContent()).toBe('Down');
      // Its figures are shown as the last known ones, with when they were taken; the others' are live.
      await page.locator(`${row(victim)}[data-stats="last-known"]`).waitFor();
      expect(await page.locator(`${row(victim)} [data-testid="last-known-at"]`).textContent()).toMatch(/^\s*as of \d/);
      expect(await page.locator(`${row('app-servers-1')}`).getAttribute('data-stats')).toBe('current');
      await topology.locator('[data-testid="topology-cluster"][data-cluster-name="app-servers"][data-health="DEGRADED"]').waitFor();
      await screenshot(page, 'cluster-with-down-worker');
      await screenshot(topology, 'topology-with-down-worker');
    } finally {
      await topology.close();
    }
  });

  it('opens a node page with its status history, the cause of each change, and rendered charts', async () => {
    const victim = 'app-servers-2';
    await page.goto(`${oc.url}/clusters/${clusterIds['app-servers']}`);
    await page.locator(`${row(victim)} a`).click();
    await page.waitForURL(/\/nodes\/[^/]+$/);
    await page.locator('[data-testid="node-status"][data-status="DOWN"]').waitFor();
    const entries = page.getByTestId('history-entry');
    await entries.nth(1).waitFor();
    const history = await entries.evaluateAll((items) =>
      items.map((item) => ({ from: item.getAttribute('data-from'), to: item.getAttribute('data-status'), cause: item.getAttribute('data-cause') })),
    );
    // Newest first: the manager reported the dead process, which made the node SUSPECT at once and DOWN when it stayed dead.
    expect(history.slice(0, 2)).toEqual([
      { from: 'SUSPECT', to: 'DOWN', cause: 'REPORTED_FAILURE' },
      { from: 'UP', to: 'SUSPECT', cause: 'REPORTED_FAILURE' },
    ]);
    expect(await entries.first().locator('.cause').textContent()).toBe('manager reported a failure');

    // Its manager still reports it, as stopped: that is not a heartbeat of a live node. Its figures
    // are the last ones it had, marked as such with when they were taken, and its uptime stands still.
    const nodeId = new URL(page.url()).pathname.split('/').pop();
    const read = () =>
      oc
        .query(`query($id: ID!) { node(id: $id) { lastHeartbeatAt lastHealthyAt stats { reportedAt current uptimeSeconds } } }`, { id: nodeId })
        .then((result) => result.node);
    const before = await read();
    expect(before.stats.current).toBe(false);
    await page.getByTestId('stats-last-known').waitFor();
    expect(await page.getByTestId('stats-reported-at').getAttribute('datetime')).toBe(before.stats.reportedAt);
    expect(await page.getByTestId('node-last-healthy').getAttribute('data-at')).toBe(before.lastHealthyAt);
    expect(Date.parse(before.lastHealthyAt)).toBeLessThan(Date.parse(before.lastHeartbeatAt));
    expect(await page.getByTestId('node-last-report').textContent()).toMatch(/stopped/);
    expect(await page.getByText('Last heartbeat').count()).toBe(0);
    const uptime = await page.getByTestId('node-uptime').textContent();
    // Several more batches report the node stopped; nothing of its figures moves.
    await oc.eventually(read, (node) => Date.parse(node.lastHeartbeatAt) - Date.parse(before.lastHeartbeatAt) >= 1_000);
    await page.reload();
    await page.getByTestId('stats-last-known').waitFor();
    expect(await page.getByTestId('node-uptime').textContent()).toBe(uptime);
    expect(await page.getByTestId('stats-reported-at').getAttribute('datetime')).toBe(before.stats.reportedAt);
    for (const chart of ['cpu-chart', 'memory-chart']) {
      const canvas = page.getByTestId(chart).locator('canvas');
      await canvas.waitFor();
      // Chart.js draws its axes even before the first minute of statistics is stored.
      await page.waitForFunction(
        (element) => {
          const canvas = element as HTMLCanvasElement;
          if (canvas.width === 0 || canvas.height === 0) return false;
          const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
          return pixels.some((value) => value !== 0);
        },
        await canvas.elementHandle(),
      );
    }
    await screenshot(page, 'node-history');
  });

  it('shows a patch put on a node in its inventory section, installed and waiting for a restart, without a reload', async () => {
    const node = (await oc.statuses('esb'))['esb-1'];
    await page.goto(`${oc.url}/nodes/${node.id}`);
    await page.getByTestId('node-inventory').waitFor();
    await markPage(page);
    const sha256 = createHash('sha256').update('esb hotfix').digest('hex');
    fs.writeFileSync(path.join(agents[1].patchesDir('esb-1'), 'esb-hotfix.jar'), 'esb hotfix');
    const item = page.locator('[data-testid="inventory-row"][data-item-name="esb-hotfix.jar"]');
    await item.waitFor({ timeout: 20_000 });
    expect(await item.locator(`[title="${sha256}"]`).textContent()).toBe(`${sha256.slice(0, 12)}…`);
    expect(await item.locator('.badge').allTextContents()).toEqual(['Installed', 'Not loaded']);
    expect(await stillSamePage(page)).toBe(true);
    await screenshot(page, 'node-inventory');
  });

  it('lists where an uploaded item is installed: a count on the content list, the nodes on its page', async () => {
    const response = await fetch(`${oc.url}/api/content?${new URLSearchParams({ kind: 'patch', name: 'esb-hotfix.jar', version: '1' })}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${oc.token}`, 'content-type': 'application/octet-stream' },
      body: 'esb hotfix',
    });
    const { item } = (await response.json()) as { item: { id: string } };
    await page.goto(`${oc.url}/content`);
    const listed = page.locator('[data-testid="content-row"][data-content-name="esb-hotfix.jar"]');
    expect(await listed.getByTestId('content-installed-on').textContent()).toBe('1 node');
    await page.goto(`${oc.url}/content/${item.id}`);
    const holder = page.locator('[data-testid="content-holder"][data-node-name="esb-1"]');
    await holder.waitFor();
    expect(await holder.textContent()).toMatch(/esb.*Patch esb-hotfix\.jar.*Waits for a restart/);
    expect(await page.getByTestId('content-holder').count()).toBe(1);
    await screenshot(page, 'content-holders');
  });

  it('writes dates the way the browser’s locale does', async () => {
    const { nodes } = await oc.query(`{ nodes(first: 1) { nodes { id joinedAt } } }`);
    const [{ id, joinedAt }] = nodes.nodes;
    const at = new Date(joinedAt);
    const two = (value: number) => String(value).padStart(2, '0');
    const [year, month, day, hours, minutes, seconds] = [
      at.getUTCFullYear(),
      two(at.getUTCMonth() + 1),
      two(at.getUTCDate()),
      at.getUTCHours(),
      two(at.getUTCMinutes()),
      two(at.getUTCSeconds()),
    ];
    const expected: Record<string, RegExp> = {
      'en-US': new RegExp(`^${month}/${day}/${year}, ${two(hours % 12 || 12)}:${minutes}:${seconds}\\s${hours < 12 ? 'AM' : 'PM'}$`),
      'en-GB': new RegExp(`^${day}/${month}/${year}, ${two(hours)}:${minutes}:${seconds}$`),
    };
    for (const [locale, pattern] of Object.entries(expected)) {
      const localized = await loggedInPage(browser, oc, { locale, timezoneId: 'UTC' });
      try {
        await localized.goto(`${oc.url}/nodes/${id}`);
        const joined = localized.getByTestId('node-joined');
        await joined.waitFor();
        expect(await joined.textContent(), locale).toMatch(pattern);
        await screenshot(localized, `node-${locale}`);
      } finally {
        await localized.context().close();
      }
    }
  });

  it('adds a cluster tag in the tag editor and filters the system view by it, the filter surviving a reload', async () => {
    await page.goto(`${oc.url}/clusters/${clusterIds.esb}`);
    await page.getByTestId('tag-input').fill('Datacenter  1');
    await page.getByTestId('tag-add').click();
    // The OC normalises tags, and the editor shows the tag as stored.
    await page.locator('section.header .chip[data-tag="datacenter 1"]').waitFor();
    expect(await page.getByTestId('tag-input').inputValue()).toBe('');
    await screenshot(page, 'cluster-tagged');

    await page.goto(`${oc.url}/`);
    await page.locator(card('app-servers')).waitFor();
    await page.getByTestId('filter-tag').fill('datacenter 1');
    await page.waitForURL((url) => url.searchParams.get('tag') === 'datacenter 1');
    await page.locator(card('app-servers')).waitFor({ state: 'detached' });
    const shown = () => page.locator('[data-testid="cluster-card"]').evaluateAll((cards) => cards.map((element) => element.getAttribute('data-cluster-name')));
    expect(await shown()).toEqual(['esb']);
    await screenshot(page, 'system-view-filtered-by-tag');

    await page.reload();
    await page.locator(card('esb')).waitFor();
    expect(await page.getByTestId('filter-tag').inputValue()).toBe('datacenter 1');
    expect(await shown()).toEqual(['esb']);
  });

  it('filters the system view by a tag on a node: the node’s cluster matches', async () => {
    const nodes = await oc.statuses('app-servers');
    await oc.query('mutation($ids: [ID!]) { addTags(input: { nodeIds: $ids, tags: ["rack 7"] }) { __typename } }', { ids: [nodes['app-servers-3'].id] });
    await page.goto(`${oc.url}/`);
    await page.locator(card('esb')).waitFor();
    // The suggestions offer the node's tag ...
    await page.locator('#known-tags option[value="rack 7"]').waitFor({ state: 'attached' });
    await page.getByTestId('filter-tag').fill('rack 7');
    await page.waitForURL((url) => url.searchParams.get('tag') === 'rack 7');
    // ... and choosing it keeps the cluster that has such a node.
    await page.locator(card('esb')).waitFor({ state: 'detached' });
    const shown = () => page.locator('[data-testid="cluster-card"]').evaluateAll((cards) => cards.map((element) => element.getAttribute('data-cluster-name')));
    // The filtered list replaces the whole one once its answer arrives; esb leaving can come first.
    await expect.poll(shown).toEqual(['app-servers']);
    await screenshot(page, 'system-view-filtered-by-node-tag');

    // A tag the OC refuses is explained, and the rest of the view still follows live changes.
    await page.goto(`${oc.url}/?tag=${encodeURIComponent('rack 7!')}`);
    await page.getByRole('alert').filter({ hasText: 'may use only letters' }).waitFor();
    await page.getByText('0 of 2 clusters').waitFor();
    await oc.createCluster('late');
    await page.getByText('0 of 3 clusters').waitFor();
  });

  it('links each node’s own management console: a worker’s as its manager reports it, the manager’s from its cluster', async () => {
    const clusterConsole = `${oc.url}/cluster-console`;
    await oc.query('mutation($id: ID!, $u: String) { updateCluster(id: $id, input: { consoleUrl: $u }) { __typename } }', {
      id: clusterIds['app-servers'],
      u: clusterConsole,
    });
    const appServers = await oc.statuses('app-servers');
    const consoleLink = page.getByRole('link', { name: 'Management console' });

    await page.goto(`${oc.url}/nodes/${appServers['app-servers-1'].id}`);
    await page.getByTestId('node-status').waitFor();
    expect(await consoleLink.getAttribute('href')).toBe(`http://127.0.0.1:${agents[0].ports[0]}/console`);
    const [opened] = await Promise.all([page.waitForEvent('popup'), consoleLink.click()]);
    await opened.locator('h1').filter({ hasText: 'app-servers-1' }).waitFor();
    await opened.close();

    await page.goto(`${oc.url}/nodes/${appServers['app-servers-manager'].id}`);
    await page.getByTestId('node-status').waitFor();
    expect(await consoleLink.getAttribute('href')).toBe(clusterConsole);

    // The esb cluster has no console URL, so its manager's page links none.
    await page.goto(`${oc.url}/nodes/${(await oc.statuses('esb'))['esb-manager'].id}`);
    await page.getByTestId('node-status').waitFor();
    expect(await consoleLink.count()).toBe(0);
  });
});
