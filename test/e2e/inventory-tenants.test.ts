import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loggedInPage, screenshot } from '../helpers/browser.ts';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';

/**
 * Tenants and an inventory command with real processes: the demo worker reports its tenants at
 * /inventory, and another worker's loaded items and tenants come from a command the agent runs.
 */
describe('tenants and inventory commands with real processes', () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  /** What the second worker's inventory command prints; the test rewrites it. */
  const commandOutput = (agentDir: string) => path.join(agentDir, 'inventory-command.json');

  beforeAll(async () => {
    oc = await LiveOc.start();
    await oc.createCluster('ten');
    agent = await LiveAgent.create(oc, {
      cluster: 'ten',
      workers: 2,
      enrollmentToken: await oc.enrollmentToken('ten'),
      workerArgs: (index) => (index === 0 ? ['--tenant', 'acme', '--tenant', 'globex=2.1'] : []),
      workerSettings: (index, live) =>
        index === 1
          ? {
              inventoryCommand: {
                command: process.execPath,
                args: ['-e', `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(commandOutput(live.dir))}))`],
                timeout: '5s',
              },
            }
          : {},
    });
    fs.writeFileSync(commandOutput(agent.dir), JSON.stringify({ loaded: [], tenants: [{ name: 'acme', status: 'from the command' }] }));
    agent.start();
    await oc.eventually(
      () => oc.statuses('ten'),
      (value) => ['ten-1', 'ten-2'].every((name) => value[name]?.status === 'UP'),
    );
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
  });

  const tenants = async (name: string) => {
    const id = (await oc.statuses('ten'))[name].id;
    return (await oc.query('query($id: ID!) { node(id: $id) { tenants { name status } } }', { id })).node.tenants as { name: string; status: string | null }[];
  };

  it('shows the tenants the demo worker reports at /inventory', async () => {
    expect(
      await oc.eventually(
        () => tenants('ten-1'),
        (value) => value.length > 0,
      ),
    ).toEqual([
      { name: 'acme', status: 'running' },
      { name: 'globex', status: '2.1' },
    ]);
  });

  it('lists the tenants in the inventory section of the node’s page', async () => {
    const browser = await launchBrowser();
    try {
      const page = await loggedInPage(browser, oc);
      await page.goto(`${oc.url}/nodes/${(await oc.statuses('ten'))['ten-1'].id}`);
      const rows = page.getByTestId('node-inventory').getByTestId('tenant-row');
      await rows.nth(1).waitFor();
      expect(await rows.evaluateAll((elements) => elements.map((row) => [...row.querySelectorAll('td')].slice(0, 2).map((cell) => cell.textContent)))).toEqual([
        ['acme', 'running'],
        ['globex', '2.1'],
      ]);
      await screenshot(page, 'node-tenants');
    } finally {
      await browser.close();
    }
  });

  it('reads another worker’s tenants from its inventory command, and follows their changes', async () => {
    expect(
      await oc.eventually(
        () => tenants('ten-2'),
        (value) => value.length > 0,
      ),
    ).toEqual([{ name: 'acme', status: 'from the command' }]);
    const hosts = await oc.query('{ nodesWithTenant(name: "acme", first: 10) { totalCount nodes { node { name } tenant { status } } } }');
    expect(hosts.nodesWithTenant).toEqual({
      totalCount: 2,
      nodes: [
        { node: { name: 'ten-1' }, tenant: { status: 'running' } },
        { node: { name: 'ten-2' }, tenant: { status: 'from the command' } },
      ],
    });

    fs.writeFileSync(commandOutput(agent.dir), JSON.stringify({ loaded: [], tenants: [{ name: 'umbrella', status: 'migrating' }] }));
    expect(
      await oc.eventually(
        () => tenants('ten-2'),
        (value) => value[0]?.name === 'umbrella',
      ),
    ).toEqual([{ name: 'umbrella', status: 'migrating' }]);
  });

  it('keeps the tenants it had while the command’s output is not to be trusted, and logs that once', async () => {
    fs.writeFileSync(commandOutput(agent.dir), 'not json');
    await oc.eventually(
      async () => agent.process.output(),
      (output) => output.includes('its output is not JSON'),
    );
    // Several heartbeats later: still what was last reported, and the problem logged once.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await tenants('ten-2')).toEqual([{ name: 'umbrella', status: 'migrating' }]);
    expect(agent.process.output().match(/its output is not JSON/g)).toHaveLength(1);
  });
});
