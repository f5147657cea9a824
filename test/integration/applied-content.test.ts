import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personToken } from '../helpers/accounts.ts';
import { uploadContent } from '../helpers/content.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
import { runOpscenter } from '../helpers/process.ts';
import { type ReceivedCommand, ScriptedAgent } from '../helpers/scripted-agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const file = (kind: string, name: string, content: string) => ({ kind, name, sha256: sha256(content), size: content.length });
const loaded = (items: ReturnType<typeof file>[]) => items.map(({ kind, name, sha256 }) => ({ kind, name, sha256 }));

const APPLIED = `query($target: Target, $kind: ContentKind, $first: Int!, $after: String) {
  appliedContent(target: $target, kind: $kind, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { clusterName nodeName nodeId node { id } kind name version sha256 installedSince loaded operationId requestedBy appliedAt item { version } }
  }
}`;

const CSV_PATH = '/api/reports/applied-content.csv';

describe('the applied-content report: what is on which node, since when, put there by which operation and user', () => {
  let server: TestServer;
  let operator: string;
  let viewer: string;
  let shop: ScriptedManager;
  let deployedAt: string;
  let operationId: string;
  const items: Record<string, string> = {};

  const gql = async (query: string, variables: Record<string, unknown> = {}, token = viewer) => ok<any>(await server.gql(query, variables, token));
  const applied = async (variables: Record<string, unknown>) => (await gql(APPLIED, { first: 100, ...variables })).appliedContent;
  const rowOf = async (cluster: string, node: string, name: string) =>
    (await applied({ target: { clusters: [cluster] } })).nodes.find((row: any) => row.nodeName === node && row.name === name);
  const engine = () => server.app.services.engine.tick();
  const reportInventory = async (manager: ScriptedManager, nodes: unknown[]) => {
    const receipt = ok<any>(
      await server.gql(
        'mutation($input: InventoryReportInput!) { reportInventory(input: $input) { __typename ... on Error { message } } }',
        { input: { nodes } },
        manager.credential,
      ),
    ).reportInventory;
    expect(receipt.__typename, JSON.stringify(receipt)).toBe('InventoryReceipt');
  };
  const csv = (query: string, token?: string) => fetch(`${server.url}${CSV_PATH}${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  const deployed = (agent: ScriptedAgent, command: ReceivedCommand) => agent.deploy(command);

  const fixOne = file('PATCH', 'fix.jar', 'fix one');
  const fixTwo = file('PATCH', 'fix.jar', 'fix two');
  const local = file('PATCH', 'local.jar', 'built on the box');
  // Names people choose reach spreadsheets: quotes, commas and formula starters.
  const formula = file('PATCH', '=HYPERLINK("evil",1).jar', 'formula');
  const plus = file('ARTIFACT', '+1.war', 'plus');
  const minus = file('ARTIFACT', '-1.war', 'minus');
  const at = file('ARTIFACT', '@sum.war', 'at');

  beforeAll(async () => {
    server = await startTestServer({ config: { operationsTick: '1h' } });
    operator = await personToken(server, 'operator', 'OPERATOR');
    viewer = await personToken(server, 'viewer', 'VIEWER');
    const upload = async (kind: string, name: string, version: string, content: string) =>
      (await uploadContent(server, { kind, name, version }, content, operator)).body.item.id as string;
    items.fixOne = await upload('PATCH', 'fix.jar', '1', 'fix one');
    items.fixTwo = await upload('PATCH', 'fix.jar', '2', 'fix two');
    await server.tick(30_000);

    shop = await enrollManager(server, 'shop', { workers: ['shop-1', 'shop-2'], tags: ['env:prod'] });
    await reportInventory(shop, [
      { name: 'shop-1', installed: [fixOne, local], loaded: loaded([fixOne, local]) },
      { name: 'shop-2', installed: [fixOne, formula, plus, minus, at], loaded: [] },
    ]);

    const lab = await enrollManager(server, 'lab', { workers: ['lab-1'] });
    await reportInventory(lab, [{ name: 'lab-1', installed: [fixTwo], loaded: loaded([fixTwo]) }]);

    // shop-1 gets fix.jar 2 through a DEPLOY the operator requests; shop-2 is left alone.
    const agent = new ScriptedAgent(server, shop, ['shop-1', 'shop-2']);
    await agent.beat();
    const shop1 = (await rowOf('shop', 'shop-1', 'fix.jar')).nodeId;
    const input = { kind: 'DEPLOY', target: { nodes: [shop1] }, deploy: { items: [items.fixTwo] }, strategy: { minHealthyTime: '10s' } };
    const created = (await gql(CREATE_OPERATION, { input }, operator)).createOperation;
    expect(created.__typename, JSON.stringify(created)).toBe('Operation');
    operationId = created.id;
    await engine();
    const [command] = await agent.received(1);
    await deployed(agent, command);
    const operation = (await gql('query($id: ID!) { operation(id: $id) { state } }', { id: operationId })).operation;
    expect(operation.state).toBe('SUCCEEDED');
    // The manager reports the new bytes, waiting for nothing: the deploy restarted the worker.
    server.clock.advance(5_000);
    deployedAt = server.clock.now().toISOString();
    await reportInventory(shop, [{ name: 'shop-1', installed: [fixTwo, local], loaded: loaded([fixTwo, local]) }]);
  });
  afterAll(() => server.stop());

  it('lists files put there by hand with no operation, and the version when an uploaded item has the bytes', async () => {
    const handmade = await rowOf('shop', 'shop-1', 'local.jar');
    expect(handmade).toMatchObject({
      clusterName: 'shop',
      kind: 'PATCH',
      version: null,
      item: null,
      operationId: null,
      requestedBy: null,
      appliedAt: null,
      loaded: true,
    });
    const uploadedByHand = await rowOf('shop', 'shop-2', 'fix.jar');
    expect(uploadedByHand).toMatchObject({ version: '1', item: { version: '1' }, sha256: fixOne.sha256, operationId: null, requestedBy: null, loaded: false });
    // The same bytes as the deployed item, installed by hand in another cluster: the version, and still no operation.
    expect(await rowOf('lab', 'lab-1', 'fix.jar')).toMatchObject({ version: '2', operationId: null });
  });

  it('attributes a deployed file to its operation and requester, since the report of the new bytes', async () => {
    const row = await rowOf('shop', 'shop-1', 'fix.jar');
    expect(row).toMatchObject({ version: '2', sha256: fixTwo.sha256, operationId, requestedBy: 'operator', loaded: true, installedSince: deployedAt });
    expect(row.node.id).toBe(row.nodeId);
    expect(new Date(row.appliedAt).getTime()).toBeLessThanOrEqual(new Date(deployedAt).getTime());
  });

  it('moves installedSince when new bytes replace a file, not when a restart loads the same ones', async () => {
    const before = await rowOf('shop', 'shop-2', 'fix.jar');
    server.clock.advance(60_000);
    // A restart: the same bytes, now loaded.
    await reportInventory(shop, [{ name: 'shop-2', installed: [fixOne, formula, plus, minus, at], loaded: loaded([fixOne]) }]);
    const restarted = await rowOf('shop', 'shop-2', 'fix.jar');
    expect(restarted).toMatchObject({ loaded: true, installedSince: before.installedSince });
    const inventory = (
      await gql('query($id: ID!) { node(id: $id) { inventory { name installedSince firstSeenAt changedAt } } }', { id: before.nodeId })
    ).node.inventory.find((item: any) => item.name === 'fix.jar');
    expect(inventory.installedSince).toBe(before.installedSince);
    expect(inventory.changedAt).not.toBe(before.installedSince);

    server.clock.advance(60_000);
    const replacedAt = server.clock.now().toISOString();
    await reportInventory(shop, [{ name: 'shop-2', installed: [fixTwo, formula, plus, minus, at], loaded: loaded([fixOne]) }]);
    const replaced = await rowOf('shop', 'shop-2', 'fix.jar');
    expect(replaced).toMatchObject({ sha256: fixTwo.sha256, version: '2', installedSince: replacedAt, loaded: false, operationId: null });
  });

  it('filters by target and kind, and pages in cluster, node, kind and name order', async () => {
    const all = await applied({});
    expect(all.totalCount).toBe(8);
    expect(all.nodes.map((row: any) => `${row.clusterName}/${row.nodeName} ${row.kind}`)).toEqual([
      'lab/lab-1 PATCH',
      'shop/shop-1 PATCH',
      'shop/shop-1 PATCH',
      'shop/shop-2 ARTIFACT',
      'shop/shop-2 ARTIFACT',
      'shop/shop-2 ARTIFACT',
      'shop/shop-2 PATCH',
      'shop/shop-2 PATCH',
    ]);
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await applied({ first: 2, after: cursor });
      expect(page.totalCount).toBe(8);
      pages.push(...page.nodes);
      cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (cursor);
    expect(pages).toEqual(all.nodes);

    const artifacts = await applied({ target: { tags: { tags: ['env:prod'] } }, kind: 'ARTIFACT' });
    expect(artifacts.nodes.map((row: any) => row.name).sort()).toEqual(['+1.war', '-1.war', '@sum.war']);
    expect((await applied({ target: { clusters: ['lab'] } })).nodes.map((row: any) => row.nodeName)).toEqual(['lab-1']);
    const refused = await server.gql(APPLIED, { first: 101 }, viewer);
    expect(refused.errors?.[0].extensions?.code).toBe('INVALID_PAGINATION');
    const unknown = await server.gql(APPLIED, { first: 10, target: { clusters: ['nowhere'] } }, viewer);
    expect(unknown.errors?.[0].extensions?.code).toBe('INVALID_TARGET');
  });

  it('serves the whole report as RFC 4180 CSV, quoting fields and neutralising formulas', async () => {
    const response = await csv('?cluster=shop', viewer);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="applied-content.csv"');
    const text = await response.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.slice(0, -2).split('\r\n');
    expect(lines[0]).toBe('cluster,node,node_id,kind,name,version,sha256,installed_since,loaded,operation_id,requested_by,applied_at');
    expect(lines).toHaveLength(1 + 7);
    const shop1 = await rowOf('shop', 'shop-1', 'fix.jar');
    expect(lines).toContain(
      `shop,shop-1,${shop1.nodeId},PATCH,fix.jar,2,${fixTwo.sha256},${deployedAt},true,${operationId},operator,${new Date(shop1.appliedAt).toISOString()}`,
    );
    // Quoted when it holds a quote, a comma or a line break; a leading apostrophe before =, +, - and @.
    expect(text).toContain(`,PATCH,"'=HYPERLINK(""evil"",1).jar",,${formula.sha256},`);
    for (const name of ['+1.war', '-1.war', '@sum.war'])
      expect(text).toContain(`,ARTIFACT,'${name},,${sha256(name === '+1.war' ? 'plus' : name === '-1.war' ? 'minus' : 'at')},`);

    const patches = await (await csv('?tag=env:prod&tag=role:worker&kind=patch', viewer)).text();
    expect(patches.split('\r\n').filter(Boolean)).toHaveLength(1 + 4);
    const everything = await (await csv('', viewer)).text();
    expect(everything.split('\r\n').filter(Boolean)).toHaveLength(1 + 8);
  });

  it('refuses the CSV without a person’s credentials, and bad filters with a typed error', async () => {
    const anonymous = await csv('');
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await csv('', 'not-a-token')).status).toBe(401);
    const agent = await csv('', shop.credential);
    expect(agent.status).toBe(403);
    expect((await agent.json()).errors[0].extensions.code).toBe('FORBIDDEN');

    for (const [query, code] of [
      ['?kind=BINARY', 'INVALID_ARGUMENT'],
      ['?cluster=shop&tag=env:prod', 'INVALID_TARGET'],
      ['?clusters=shop', 'INVALID_ARGUMENT'],
      ['?cluster=nowhere', 'INVALID_TARGET'],
    ]) {
      const refused = await csv(query, viewer);
      expect(refused.status, query).toBe(400);
      const body = await refused.json();
      expect(body.errors[0].extensions.code, query).toBe(code);
      expect(JSON.stringify(body)).not.toMatch(/\bselect\b|stack|node_inventory/i);
    }
    const post = await fetch(`${server.url}${CSV_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } });
    expect(post.status).toBe(405);
  });

  it('prints the report from the CLI as a table or CSV, with the documented exit codes', async () => {
    const cli = async (args: string[], token = viewer) => {
      const run = runOpscenter(['report', 'applied', ...args], { OPSCENTER_URL: server.url, OPSCENTER_TOKEN: token });
      return { code: (await run.exited).code, output: run.output() };
    };
    const [tableRun, csvRun, conflicting, unknownKind, refusedRun] = await Promise.all([
      cli(['--cluster', 'shop', '--kind', 'patch']),
      cli(['--tag', 'env:prod', '--csv']),
      cli(['--cluster', 'shop', '--tag', 'env:prod']),
      cli(['--kind', 'binary']),
      cli([], 'not-a-token'),
    ]);
    expect(tableRun.code, tableRun.output).toBe(0);
    const lines = tableRun.output.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+NODE\s+KIND\s+NAME\s+VERSION\s+SHA-256\s+INSTALLED SINCE\s+LOADED\s+OPERATION\s+REQUESTED BY$/);
    expect(lines).toHaveLength(1 + 4);
    expect(lines.find((line) => line.startsWith('shop') && line.includes('local.jar'))).toMatch(/by hand\s+-$/);
    expect(lines.find((line) => line.includes(operationId))).toMatch(/shop\s+shop-1\s+patch\s+fix\.jar\s+2\s.*yes\s+\S+\s+operator$/);
    expect(csvRun.code, csvRun.output).toBe(0);
    expect(csvRun.output).toBe(await (await csv('?tag=env:prod', viewer)).text());
    expect(conflicting.code, conflicting.output).toBe(3);
    expect(unknownKind.code, unknownKind.output).toBe(3);
    expect(refusedRun.code).toBe(4);
  });

  it('streams a CSV longer than the batch it reads at a time, every row once, in order', async () => {
    const bulk = await enrollManager(server, 'bulk', { workers: ['bulk-1'] });
    const files = Array.from({ length: 1_234 }, (_, index) => file('ARTIFACT', `part-${String(index).padStart(4, '0')}.war`, `part ${index}`));
    await reportInventory(bulk, [{ name: 'bulk-1', installed: files, loaded: [] }]);
    const text = await (await csv('?cluster=bulk', viewer)).text();
    const names = text
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[4]);
    expect(names).toEqual(files.map((each) => each.name));
  });
});
