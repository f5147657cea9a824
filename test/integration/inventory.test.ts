import { createHash } from 'node:crypto';
import { and, asc, eq, gt, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { events } from '../../api/src/modules/events/events.table.ts';
import { personToken } from '../helpers/accounts.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';

const REPORT_INVENTORY = `mutation($input: InventoryReportInput!) {
  reportInventory(input: $input) {
    __typename
    ... on InventoryReceipt { changed unchanged refused { node code } }
    ... on Error { code message }
  }
}`;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const patch = (name: string, content = name, size = content.length) => ({
  kind: 'PATCH',
  name,
  sha256: sha(content),
  size,
  modifiedAt: '2026-12-01T10:00:00.000Z',
});

describe('fleet inventory', () => {
  let server: TestServer;
  let viewer: string;
  let alpha: ScriptedManager;
  let beta: ScriptedManager;
  /** Every statement the OC runs, to show that a report that changes nothing writes nothing. */
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database: await createTestDatabase((sql) => statements.push(sql)) });
    viewer = await personToken(server, 'inventory-viewer', 'VIEWER');
    alpha = await enrollManager(server, 'inv-alpha', { workers: ['alpha-1', 'alpha-2'] });
    beta = await enrollManager(server, 'inv-beta', { workers: ['beta-1'] });
  });
  afterAll(() => server.stop());

  const report = async (manager: ScriptedManager, nodes: unknown[]) =>
    ok<any>(await server.gql(REPORT_INVENTORY, { input: { nodes } }, manager.credential)).reportInventory;

  const inventoryOf = async (cluster: string, node: string) => {
    const data = ok<any>(
      await server.gql(
        'query($c: String!) { cluster(name: $c) { nodes(first: 10) { nodes { name inventory { kind name sha256 size modifiedAt installed loaded firstSeenAt changedAt } } } } }',
        { c: cluster },
        viewer,
      ),
    );
    return data.cluster.nodes.nodes.find((candidate: any) => candidate.name === node).inventory as any[];
  };

  const lastSequence = async () => (await server.database.db.select({ last: max(events.sequence) }).from(events))[0].last ?? 0;
  const inventoryEventsSince = (sequence: number) =>
    server.database.db
      .select()
      .from(events)
      .where(and(gt(events.sequence, sequence), eq(events.type, 'INVENTORY_CHANGED')))
      .orderBy(asc(events.sequence));

  it('stores what a worker has installed and loaded, and announces the change with the node’s tags', async () => {
    const mark = await lastSequence();
    const receipt = await report(alpha, [
      {
        name: 'alpha-1',
        installed: [patch('hotfix-1.jar'), { kind: 'CONFIG', name: 'server.xml', sha256: sha('<server/>'), size: 9 }],
        loaded: [{ kind: 'PATCH', name: 'hotfix-1.jar', sha256: sha('hotfix-1.jar') }],
      },
    ]);
    expect(receipt).toEqual({ __typename: 'InventoryReceipt', changed: ['alpha-1'], unchanged: 0, refused: [] });
    const items = await inventoryOf('inv-alpha', 'alpha-1');
    expect(items.map(({ kind, name, installed, loaded, size }) => ({ kind, name, installed, loaded, size }))).toEqual([
      { kind: 'CONFIG', name: 'server.xml', installed: true, loaded: false, size: 9 },
      { kind: 'PATCH', name: 'hotfix-1.jar', installed: true, loaded: true, size: 12 },
    ]);
    expect(items[1].modifiedAt).toBe('2026-12-01T10:00:00.000Z');
    const announced = await inventoryEventsSince(mark);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ channel: 'topology', payload: { clusterName: 'inv-alpha', nodeName: 'alpha-1', role: 'WORKER' } });
    expect(announced[0].payload.tags).toEqual(expect.arrayContaining(['cluster:inv-alpha', 'role:worker']));
  });

  it('changes nothing, writes nothing and announces nothing when the same inventory is reported again', async () => {
    const before = await inventoryOf('inv-alpha', 'alpha-1');
    const mark = await lastSequence();
    statements.length = 0;
    const receipt = await report(alpha, [
      {
        name: 'alpha-1',
        installed: [{ kind: 'CONFIG', name: 'server.xml', sha256: sha('<server/>'), size: 9 }, patch('hotfix-1.jar')],
        loaded: [{ kind: 'PATCH', name: 'hotfix-1.jar', sha256: sha('hotfix-1.jar') }],
      },
    ]);
    expect(receipt).toMatchObject({ changed: [], unchanged: 1 });
    expect(statements.some((sql) => /from "node_inventory"/.test(sql))).toBe(true);
    expect(statements.filter((sql) => /^\s*(insert|update|delete|begin)/i.test(sql) && !sql.includes('audit_log'))).toEqual([]);
    expect(await inventoryEventsSince(mark)).toHaveLength(0);
    expect(await lastSequence()).toBe(mark);
    expect(await inventoryOf('inv-alpha', 'alpha-1')).toEqual(before);
  });

  it('a file changed since the process started is installed but not loaded; removed items go', async () => {
    const first = await inventoryOf('inv-alpha', 'alpha-1');
    const receipt = await report(alpha, [
      {
        name: 'alpha-1',
        installed: [patch('hotfix-1.jar', 'hotfix-1.jar v2')],
        loaded: [{ kind: 'PATCH', name: 'hotfix-1.jar', sha256: sha('hotfix-1.jar') }],
      },
    ]);
    expect(receipt.changed).toEqual(['alpha-1']);
    const items = await inventoryOf('inv-alpha', 'alpha-1');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'PATCH', name: 'hotfix-1.jar', sha256: sha('hotfix-1.jar v2'), installed: true, loaded: false });
    expect(items[0].firstSeenAt).toBe(first.find((item) => item.kind === 'PATCH').firstSeenAt);
    expect(Date.parse(items[0].changedAt)).toBeGreaterThanOrEqual(Date.parse(items[0].firstSeenAt));

    // Deleted from disk while the process still runs it: loaded, not installed.
    await report(alpha, [{ name: 'alpha-1', installed: [], loaded: [{ kind: 'PATCH', name: 'hotfix-1.jar', sha256: sha('hotfix-1.jar v2') }] }]);
    expect(await inventoryOf('inv-alpha', 'alpha-1')).toEqual([
      expect.objectContaining({ name: 'hotfix-1.jar', installed: false, loaded: true, size: null, modifiedAt: null }),
    ]);
    await report(alpha, [{ name: 'alpha-1', installed: [], loaded: [] }]);
    expect(await inventoryOf('inv-alpha', 'alpha-1')).toEqual([]);
  });

  it('a worker that does not say what it loaded has nothing loaded', async () => {
    await report(alpha, [{ name: 'alpha-2', installed: [patch('lib.jar')] }]);
    expect(await inventoryOf('inv-alpha', 'alpha-2')).toEqual([expect.objectContaining({ name: 'lib.jar', installed: true, loaded: false })]);
  });

  it('refuses nodes of another cluster, audits the refusal and applies the rest', async () => {
    const mark = (await server.database.db.select({ last: max(auditLog.id) }).from(auditLog))[0].last ?? 0;
    const receipt = await report(alpha, [
      { name: 'beta-1', installed: [patch('intruder.jar')] },
      { name: 'alpha-2', installed: [patch('lib.jar'), patch('lib2.jar')] },
    ]);
    expect(receipt).toMatchObject({ changed: ['alpha-2'], refused: [{ node: 'beta-1', code: 'UNKNOWN_NODE' }] });
    expect(await inventoryOf('inv-beta', 'beta-1')).toEqual([]);
    const audited = await server.database.db.select().from(auditLog).where(gt(auditLog.id, mark));
    expect(audited).toEqual([
      expect.objectContaining({ action: 'inventory.report', result: 'DENIED', errorCode: 'NOT_IN_CLUSTER', actorType: 'AGENT', targetId: alpha.clusterId }),
    ]);
    expect(audited[0].args).toMatchObject({ unknownNodes: ['beta-1'], count: 1 });
  });

  it('refuses bad reports with typed errors and changes nothing', async () => {
    const before = await inventoryOf('inv-alpha', 'alpha-2');
    const tooMany = Array.from({ length: 2001 }, (_, index) => patch(`p-${index}.jar`));
    const cases: [unknown[], string][] = [
      [[{ name: 'alpha-2', installed: tooMany }], 'BATCH_TOO_LARGE'],
      [
        Array.from({ length: 11 }, () => ({ name: 'alpha-2', installed: Array.from({ length: 1999 }, (_, index) => patch(`q-${index}.jar`)) })),
        'BATCH_TOO_LARGE',
      ],
      [[{ name: 'alpha-2', installed: [patch('a.jar'), patch('a.jar')] }], 'INVALID_ARGUMENT'],
      [
        [
          { name: 'alpha-2', installed: [] },
          { name: 'alpha-2', installed: [] },
        ],
        'INVALID_ARGUMENT',
      ],
      [[{ name: 'alpha-2', installed: [{ ...patch('a.jar'), sha256: 'not-a-hash' }] }], 'INVALID_ARGUMENT'],
      [[{ name: 'alpha-2', installed: [{ ...patch('a.jar'), size: -1 }] }], 'INVALID_ARGUMENT'],
      [[{ name: 'alpha-2', installed: [patch('../etc/passwd')] }], 'INVALID_NAME'],
      [[{ name: 'alpha-2', installed: [], loaded: [{ kind: 'PATCH', name: 'a/b.jar', sha256: sha('x') }] }], 'INVALID_NAME'],
    ];
    for (const [nodes, code] of cases) expect(await report(alpha, nodes)).toMatchObject({ code });
    expect(await inventoryOf('inv-alpha', 'alpha-2')).toEqual(before);
  });

  it('refuses people: agents only', async () => {
    const result = ok<any>(await server.gql(REPORT_INVENTORY, { input: { nodes: [] } }, server.adminToken)).reportInventory;
    expect(result).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
  });

  it('answers which nodes have an item, by hash or by name, and how many nodes have each content item', async () => {
    await report(alpha, [
      { name: 'alpha-1', installed: [patch('common.jar', 'common v1')] },
      { name: 'alpha-2', installed: [patch('common.jar', 'common v2')] },
    ]);
    await report(beta, [{ name: 'beta-1', installed: [patch('common.jar', 'common v1'), { ...patch('common.jar', 'common v1'), kind: 'ARTIFACT' }] }]);
    const query = `query($sha: String, $name: String, $kind: ContentKind, $after: String) {
      nodesWithContent(sha256: $sha, name: $name, kind: $kind, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { node { name cluster { name } } item { kind name sha256 installed } }
      }
    }`;
    const byHash = ok<any>(await server.gql(query, { sha: sha('common v1') }, viewer)).nodesWithContent;
    expect(byHash.totalCount).toBe(3);
    expect(byHash.nodes.map((row: any) => `${row.node.cluster.name}/${row.node.name}/${row.item.kind}`)).toEqual([
      'inv-alpha/alpha-1/PATCH',
      'inv-beta/beta-1/ARTIFACT',
    ]);
    const rest = ok<any>(await server.gql(query, { sha: sha('common v1'), after: byHash.pageInfo.endCursor }, viewer)).nodesWithContent;
    expect(rest.nodes.map((row: any) => `${row.node.name}/${row.item.kind}`)).toEqual(['beta-1/PATCH']);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    const byName = ok<any>(await server.gql(query, { name: 'common.jar', kind: 'PATCH' }, viewer)).nodesWithContent;
    expect(byName.totalCount).toBe(3);
    expect(byName.nodes.map((row: any) => row.item.sha256)).toEqual([sha('common v1'), sha('common v2')]);

    const refused = await server.gql(query, {}, viewer);
    expect(refused.errors?.[0].extensions?.code).toBe('INVALID_ARGUMENT');

    // installedOn counts nodes by the uploaded item's hash, batched for the whole list.
    const operator = await personToken(server, 'inventory-operator', 'OPERATOR');
    for (const [version, content] of [
      ['1', 'common v1'],
      ['2', 'common v2'],
      ['3', 'nowhere'],
    ]) {
      const response = await fetch(`${server.url}/api/content?${new URLSearchParams({ kind: 'patch', name: 'common.jar', version })}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${operator}` },
        body: content,
      });
      expect(response.status).toBe(201);
    }
    const counts = ok<any>(await server.gql('{ contentItems(first: 10) { nodes { version installedOn } } }', {}, viewer)).contentItems.nodes;
    expect(Object.fromEntries(counts.map((item: any) => [item.version, item.installedOn]))).toEqual({ '1': 2, '2': 1, '3': 0 });
  });

  it('delivers INVENTORY_CHANGED on the topology subscription to subscribers that ask for it', async () => {
    const client = server.wsClient(viewer);
    const query = `subscription($filter: TopologyEventFilter) { topologyEvents(filter: $filter) { ... on TopologyChange { kind clusterName nodeName tags } } }`;
    const inventoryOnly = collect(client, query, { filter: { kinds: ['INVENTORY_CHANGED'], clusters: ['inv-beta'] } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await report(alpha, [{ name: 'alpha-1', installed: [patch('only-alpha.jar')] }]);
    await report(beta, [{ name: 'beta-1', installed: [patch('only-beta.jar')] }]);
    await inventoryOnly.waitFor(1);
    expect(inventoryOnly.received[0].topologyEvents).toMatchObject({ kind: 'INVENTORY_CHANGED', clusterName: 'inv-beta', nodeName: 'beta-1' });
    inventoryOnly.dispose();
    await client.dispose();
  });

  it('drops a node’s inventory with the node', async () => {
    const node = ok<any>(await server.gql('{ cluster(name: "inv-beta") { nodes(first: 10) { nodes { id name } } } }', {}, viewer)).cluster.nodes.nodes.find(
      (candidate: any) => candidate.name === 'beta-1',
    );
    const removed = ok<any>(await server.gql(`mutation($id: ID!) { removeNode(id: $id) { __typename } }`, { id: node.id }, server.adminToken));
    expect(removed.removeNode.__typename).toBe('Removed');
    const rows = ok<any>(await server.gql('{ nodesWithContent(name: "only-beta.jar", first: 5) { totalCount } }', {}, viewer));
    expect(rows.nodesWithContent.totalCount).toBe(0);
  });
});
