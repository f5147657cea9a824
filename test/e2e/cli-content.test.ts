import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveOc } from '../helpers/live-fleet.ts';
import { runOpscenter } from '../helpers/process.ts';

/** `opscenter content` and `opscenter baseline` as a script runs them: a real CLI process against a real OC. */
describe('opscenter content and baseline', () => {
  let oc: LiveOc;
  let apiToken: string;
  let dir: string;

  async function opscenter(args: string[]) {
    const run = runOpscenter(args, { OPSCENTER_URL: oc.url, OPSCENTER_TOKEN: apiToken });
    const { code } = await run.exited;
    return { code, output: run.output() };
  }
  const content = (args: string[]) => opscenter(['content', ...args]);

  beforeAll(async () => {
    oc = await LiveOc.start();
    const created = await oc.query(`mutation { createApiToken(name: "cli-content") { ... on CreatedApiToken { token } ... on Error { message } } }`);
    apiToken = created.createApiToken.token;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-cli-content-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await oc?.dispose();
  });

  it('uploads a file, answers the same upload with the item it has, lists, shows and deletes it', async () => {
    const file = path.join(dir, 'hotfix-42.jar');
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    fs.writeFileSync(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const uploaded = await content(['upload', file, '--kind', 'patch', '--version', '4.2', '--product-kind', 'esb', '--json']);
    expect(uploaded.code, uploaded.output).toBe(0);
    const { created, item } = JSON.parse(uploaded.output);
    expect(created).toBe(true);
    expect(item).toMatchObject({
      kind: 'PATCH',
      name: 'hotfix-42.jar',
      version: '4.2',
      sha256,
      size: bytes.length,
      productKinds: ['esb'],
      requiresRestart: true,
    });

    const again = await content(['upload', file, '--kind', 'patch', '--version', '4.2']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/already there, unchanged: PATCH hotfix-42.jar 4.2/);

    const listed = await content(['list', '--kind', 'patch']);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toMatch(new RegExp(`PATCH\\s+hotfix-42.jar 4.2\\s+3.0 MiB\\s+${sha256.slice(0, 12)}\\s+${item.id}`));
    expect(listed.output).toMatch(/1 of 1 item$/m);

    const shown = await content(['show', item.id]);
    expect(shown.output).toMatch(new RegExp(`sha256\\s+${sha256}`));
    expect(shown.output).toMatch(/restart\s+needed to load it/);

    const removed = await content(['rm', item.id]);
    expect([removed.code, removed.output.trim()]).toEqual([0, 'deleted hotfix-42.jar 4.2']);
    expect((await content(['show', item.id])).code).toBe(4);
  });

  it('exits 4 with the OC’s reason when it refuses the upload, and 3 for a wrong command line', async () => {
    const file = path.join(dir, 'app.conf');
    fs.writeFileSync(file, 'port = 8080\n');
    const refused = await content(['upload', file, '--kind', 'config', '--version', '1', '--name', '../etc/app.conf']);
    expect(refused.code).toBe(4);
    expect(refused.output.trim()).toBe('opscenter: The name must be a file name, without "/" or "\\".');

    expect((await content(['upload', file, '--kind', 'script', '--version', '1'])).code).toBe(3);
    expect((await content(['upload', path.join(dir, 'missing.jar'), '--kind', 'patch', '--version', '1'])).code).toBe(3);
    expect((await content(['list'])).output).toMatch(/^0 of 0 items$/m);
  });

  it('sets a baseline by item name@version, saves versions with their message, shows, lists and compares them', async () => {
    for (const version of ['1', '2']) {
      const file = path.join(dir, 'fix.jar');
      fs.writeFileSync(file, `fix ${version}`);
      expect((await content(['upload', file, '--kind', 'patch', '--version', version])).code).toBe(0);
    }
    const first = await opscenter(['baseline', 'set', 'fixes', '--all', '--item', 'fix.jar@1', '--message', 'first fix']);
    expect([first.code, first.output.trim()]).toEqual([0, 'fixes saved as version 1']);
    const second = await opscenter(['baseline', 'set', 'fixes', '--all', '--item', 'fix.jar@2', '--message', 'the better fix']);
    expect(second.output.trim()).toBe('fixes saved as version 2');
    const again = await opscenter(['baseline', 'set', 'fixes', '--all', '--item', 'fix.jar@2', '--message', 'same again']);
    expect(again.output.trim()).toBe('fixes unchanged at version 2');

    const shown = await opscenter(['baseline', 'show', 'fixes']);
    expect(shown.output).toMatch(/^fixes version 2: the better fix/m);
    expect(shown.output).toMatch(/patch\s+fix.jar 2/);
    const history = await opscenter(['baseline', 'history', 'fixes']);
    expect(history.output.match(/^fixes version \d/gm)).toEqual(['fixes version 2', 'fixes version 1']);
    const diff = await opscenter(['baseline', 'diff', 'fixes', '--from', '1']);
    expect(diff.output.trim().split('\n')).toEqual(['fixes: version 1 → 2', '- patch    fix.jar 1', '+ patch    fix.jar 2']);

    expect((await opscenter(['baseline', 'set', 'fixes', '--all', '--item', 'nothing@9', '--message', 'x'])).code).toBe(4);
    expect((await opscenter(['baseline', 'set', 'fixes', '--item', 'fix.jar@2', '--message', 'x'])).code).toBe(3);
  });
});
