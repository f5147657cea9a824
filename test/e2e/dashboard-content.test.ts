import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveOc } from '../helpers/live-fleet.ts';

const FILE_NAME = 'hotfix-42.jar';
const FILE_BYTES = randomBytes(64 * 1024);
const FILE_SHA256 = createHash('sha256').update(FILE_BYTES).digest('hex');

const row = (name: string) => `[data-testid="content-row"][data-content-name="${name}"]`;
const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The content page in headless Chromium against a real OC: upload, list, download and delete. */
describe('content in the dashboard', { timeout: 120_000 }, () => {
  let oc: LiveOc;
  let browser: Browser;
  let page: Page;
  let fileDir: string;
  let filePath: string;
  let itemId: string;

  beforeAll(async () => {
    oc = await LiveOc.start();
    fileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-content-ui-'));
    filePath = path.join(fileDir, FILE_NAME);
    fs.writeFileSync(filePath, FILE_BYTES);
    browser = await launchBrowser();
    page = await loggedInPage(browser, oc);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await oc?.dispose();
    if (fileDir) fs.rmSync(fileDir, { recursive: true, force: true });
  });

  it('uploads a file through the form, shows the progress reach 100% and lists the item', async () => {
    await page.goto(`${oc.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content' }).click();
    await page.waitForURL((url) => url.pathname === '/content');
    await page.getByRole('heading', { name: 'No content yet' }).waitFor();

    await page.getByTestId('upload-file').setInputFiles(filePath);
    // The name defaults to the chosen file's.
    expect(await page.getByTestId('upload-name').inputValue()).toBe(FILE_NAME);
    await page.getByTestId('upload-version').fill('1.0.0');
    await page.getByTestId('upload-product-kinds').fill('application-server, esb');
    await page.getByTestId('upload-description').fill('fixes the session leak');
    await page.getByTestId('upload-submit').click();

    await page.getByTestId('upload-done').waitFor();
    expect(await page.getByTestId('upload-progress').evaluate((bar) => (bar as HTMLProgressElement).value)).toBe(1);
    expect(await page.getByTestId('upload-progress-text').textContent()).toMatch(/^\s*100% · 64 KiB of 64 KiB\s*$/);
    expect(await page.getByTestId('upload-done').textContent()).toMatch(/Uploaded\s+hotfix-42\.jar 1\.0\.0/);

    const listed = page.locator(row(FILE_NAME));
    await listed.waitFor();
    itemId = (await listed.getAttribute('data-content-id')) ?? '';
    expect(await listed.getByTestId('content-sha256').getAttribute('title')).toBe(FILE_SHA256);
    expect(await listed.getByTestId('content-sha256').textContent()).toBe(`${FILE_SHA256.slice(0, 12)}…`);
    const cells = await listed.locator('td').allTextContents();
    expect(cells.slice(1, 9).map((cell) => cell.trim())).toEqual([
      'Patch',
      '1.0.0',
      '64 KiB',
      `${FILE_SHA256.slice(0, 12)}…`,
      'Required',
      'application-server, esb',
      '0 nodes',
      'admin',
    ]);
    // The form is ready for the next file.
    expect(await page.getByTestId('upload-name').inputValue()).toBe('');
    await screenshot(page, 'content-uploaded');
  });

  it('shows the typed error the OC gives for a bad name next to the name field', async () => {
    await page.getByTestId('upload-file').setInputFiles(filePath);
    await page.getByTestId('upload-name').fill('../x.jar');
    await page.getByTestId('upload-version').fill('1.0.1');
    await page.getByTestId('upload-submit').click();
    const error = page.getByTestId('upload-field-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('The name must be a file name, without "/" or "\\".');
    expect(await page.getByTestId('upload-name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('upload-progress').count()).toBe(0);
    expect(await page.getByTestId('content-row').count()).toBe(1);
    await screenshot(page, 'content-upload-bad-name');

    // A conflict names no field: it is shown under the form.
    await page.getByTestId('upload-file').setInputFiles({ name: FILE_NAME, mimeType: 'application/java-archive', buffer: Buffer.from('other bytes') });
    await page.getByTestId('upload-name').fill(FILE_NAME);
    await page.getByTestId('upload-version').fill('1.0.0');
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('upload-error').waitFor();
    expect(await page.getByTestId('upload-error').textContent()).toMatch(/already uploaded with other content/);
    expect(await page.getByTestId('upload-field-error').count()).toBe(0);
  });

  it('keeps the search and the kind filter in the URL, across a reload', async () => {
    await page.getByTestId('filter-kind').selectOption('CONFIG');
    await page.waitForURL((url) => url.searchParams.get('kind') === 'CONFIG');
    await page.getByRole('heading', { name: 'No content matches these filters' }).waitFor();

    await page.getByTestId('filter-kind').selectOption('PATCH');
    await page.getByTestId('filter-text').fill('session leak');
    await page.waitForURL((url) => url.searchParams.get('kind') === 'PATCH' && url.searchParams.get('q') === 'session leak');
    await page.reload();
    await page.locator(row(FILE_NAME)).waitFor();
    expect(await page.getByTestId('filter-text').inputValue()).toBe('session leak');
    expect(await page.getByTestId('filter-kind').inputValue()).toBe('PATCH');

    await page.getByTestId('filter-text').fill('no such thing');
    await page.getByRole('heading', { name: 'No content matches these filters' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    await page.locator(row(FILE_NAME)).waitFor();
  });

  it('shows the item with its full SHA-256 and downloads the same bytes', async () => {
    await page.locator(row(FILE_NAME)).getByRole('link', { name: FILE_NAME }).click();
    await page.waitForURL(`${oc.url}/content/${itemId}`);
    // Opened directly too, the address gives the dashboard's page rather than the content API.
    await page.reload();
    expect(await page.getByTestId('content-name').textContent()).toBe(FILE_NAME);
    expect(await page.getByTestId('content-sha256').textContent()).toBe(FILE_SHA256);
    expect(await page.getByTestId('content-size').getAttribute('data-bytes')).toBe(String(FILE_BYTES.length));
    await screenshot(page, 'content-item');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('content-download').click()]);
    expect(download.suggestedFilename()).toBe(FILE_NAME);
    expect(sha256Of(await download.path())).toBe(FILE_SHA256);
  });

  it('deletes the item only once confirmed, then goes back to the list', async () => {
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByTestId('content-delete').click();
    expect(page.url()).toBe(`${oc.url}/content/${itemId}`);
    expect(await oc.query(`query($id: ID!) { contentItem(id: $id) { id } }`, { id: itemId })).toEqual({ contentItem: { id: itemId } });

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain(`${FILE_NAME} 1.0.0`);
      void dialog.accept();
    });
    await page.getByTestId('content-delete').click();
    await page.waitForURL((url) => url.pathname === '/content');
    await page.getByRole('heading', { name: 'No content yet' }).waitFor();
    expect(await oc.query(`query($id: ID!) { contentItem(id: $id) { id } }`, { id: itemId })).toEqual({ contentItem: null });
  });

  it('shows a viewer the content but no upload form, download or delete', async () => {
    const upload = await fetch(`${oc.url}/api/content?kind=CONFIG&name=server.xml&version=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${oc.token}` },
      body: '<server/>',
    });
    expect(upload.status).toBe(201);
    const { item } = (await upload.json()) as { item: { id: string } };
    await oc.query(`mutation { createUser(username: "reader", role: VIEWER, password: "password-of-reader") { __typename } }`);
    const viewer = await loggedInPage(browser, oc, { username: 'reader', password: 'password-of-reader' });
    try {
      await viewer.goto(`${oc.url}/content`);
      await viewer.locator(row('server.xml')).waitFor();
      expect(await viewer.getByTestId('upload-form').count()).toBe(0);
      await screenshot(viewer, 'content-viewer');

      await viewer.locator(row('server.xml')).getByRole('link', { name: 'server.xml' }).click();
      await viewer.waitForURL(`${oc.url}/content/${item.id}`);
      await viewer.getByTestId('content-sha256').waitFor();
      expect(await viewer.getByTestId('content-download').count()).toBe(0);
      expect(await viewer.getByTestId('content-delete').count()).toBe(0);
      await screenshot(viewer, 'content-item-viewer');
    } finally {
      await viewer.context().close();
    }
  });
});
