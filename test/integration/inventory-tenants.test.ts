import { createHash } from 'node:crypto';
import { and, asc, eq, gt, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { events } from '../../api/src/modules/events/events.table.ts';
import { personToken } from '../helpers/accounts.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const REPORT_INVENTORY = `mutation($input: InventoryReportInput!) {
  reportInventory(input: $input) {
    __typename
    ... on InventoryReceipt { changed unchanged refused { node code } }
    ... on Error { code message }
  }
}`;

const NODES_WITH_TENANT = `query($name: String!, $after: String) {
  nodesWithTenant(name: $name, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { node { name cluster { name } } tenant { name status } }
  }
}`;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const patch = (name: string) => ({ kind: 'PATCH', name, sha256: sha(name), size: name.length });

describe('tenants in the fleet inventory', () => {
  let server: TestServer;
  let viewer: string;
  let alpha: ScriptedManager;
  let beta: ScriptedManager;
  /** Every statement the OC runs, to show that a report that changes nothing writes nothing. */
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ database: await createTestDatabase((sql) => statements.push(sql)) });
    viewer = await personToken(server, 'tenants-viewer', 'VIEWER');
    alpha = await enrollManager(server, 'ten-alpha', { workers: ['ten-alpha-1', 'ten-alpha-2'] });
    beta = await enrollManager(server, 'ten-beta', { workers: ['ten-beta-1'] });
  });
  afterAll(() => server.stop());

  const report = async (manager: ScriptedManager, nodes: unknown[]) =>
    ok<any>(await server.gql(REPORT_INVENTORY, { input: { nodes } }, manager.credential)).reportInventory;

  const nodeOf = async (cluster: string, node: string) => {
    const data = ok<any>(
      await server.gql(
        'query($c: String!) { cluster(name: $c) { nodes(first: 5) { nodes { name inventory { name } tenants { name status firstSeenAt changedAt } } } } }',
        { c: cluster },
        viewer,
      ),
    );
    return data.cluster.nodes.nodes.find((candidate: any) => candidate.name === node) as { inventory: { name: string }[]; tenants: any[] };
  };
  const tenantsOf = async (cluster: string, node: string) => (await nodeOf(cluster, node)).tenants.map(({ name, status }) => ({ name, status }));

  const lastSequence = async () => (await server.database.db.select({ last: max(events.sequence) }).from(events))[0].last ?? 0;
  const inventoryEventsSince = (sequence: number) =>
    server.database.db
      .select()
      .from(events)
      .where(and(gt(events.sequence, sequence), eq(events.type, 'INVENTORY_CHANGED')))
      .orderBy(asc(events.sequence));

  it('stores the tenants a worker reports, by name, and announces them', async () => {
    const mark = await lastSequence();
    const receipt = await report(alpha, [
      { name: 'ten-alpha-1', installed: [patch('fix.jar')], tenants: [{ name: 'globex', status: '2.1' }, { name: 'acme' }] },
    ]);
    expect(receipt).toEqual({ __typename: 'InventoryReceipt', changed: ['ten-alpha-1'], unchanged: 0, refused: [] });
    expect(await tenantsOf('ten-alpha', 'ten-alpha-1')).toEqual([
      { name: 'acme', status: null },
      { name: 'globex', status: '2.1' },
    ]);
    expect(await inventoryEventsSince(mark)).toEqual([expect.objectContaining({ payload: expect.objectContaining({ nodeName: 'ten-alpha-1' }) })]);
  });

  it('writes and announces nothing when the same tenants are reported again, in any order', async () => {
    const mark = await lastSequence();
    statements.length = 0;
    const receipt = await report(alpha, [
      {
        name: 'ten-alpha-1',
        installed: [patch('fix.jar')],
        tenants: [
          { name: 'acme', status: '' },
          { name: 'globex', status: '2.1' },
        ],
      },
    ]);
    expect(receipt).toMatchObject({ changed: [], unchanged: 1 });
    expect(statements.some((sql) => /from "node_tenants"/.test(sql))).toBe(true);
    expect(statements.filter((sql) => /^\s*(insert|update|delete|begin)/i.test(sql) && !sql.includes('audit_log'))).toEqual([]);
    expect(await inventoryEventsSince(mark)).toHaveLength(0);
  });

  it('replaces a node’s tenants with each report that carries them, and announces a change of tenants alone', async () => {
    const before = (await nodeOf('ten-alpha', 'ten-alpha-1')).tenants;
    const mark = await lastSequence();
    const receipt = await report(alpha, [
      {
        name: 'ten-alpha-1',
        installed: [patch('fix.jar')],
        tenants: [
          { name: 'globex', status: '2.2' },
          { name: 'initech', status: 'provisioning' },
        ],
      },
    ]);
    expect(receipt.changed).toEqual(['ten-alpha-1']);
    const after = (await nodeOf('ten-alpha', 'ten-alpha-1')).tenants;
    expect(after.map(({ name, status }) => ({ name, status }))).toEqual([
      { name: 'globex', status: '2.2' },
      { name: 'initech', status: 'provisioning' },
    ]);
    const globexBefore = before.find((tenant) => tenant.name === 'globex');
    const globexAfter = after.find((tenant) => tenant.name === 'globex');
    expect(globexAfter.firstSeenAt).toBe(globexBefore.firstSeenAt);
    expect(Date.parse(globexAfter.changedAt)).toBeGreaterThanOrEqual(Date.parse(globexBefore.changedAt));
    expect(await inventoryEventsSince(mark)).toHaveLength(1);
    // The files did not change: only the tenants did.
    expect((await nodeOf('ten-alpha', 'ten-alpha-1')).inventory).toEqual([{ name: 'fix.jar' }]);
  });

  it('leaves a node’s tenants as they were when a report does not carry them, and empties them on an empty list', async () => {
    const receipt = await report(alpha, [{ name: 'ten-alpha-1', installed: [patch('fix.jar'), patch('fix-2.jar')] }]);
    expect(receipt.changed).toEqual(['ten-alpha-1']);
    expect((await tenantsOf('ten-alpha', 'ten-alpha-1')).map((tenant) => tenant.name)).toEqual(['globex', 'initech']);
    expect(await report(alpha, [{ name: 'ten-alpha-1', installed: [patch('fix.jar'), patch('fix-2.jar')], tenants: null }])).toMatchObject({ unchanged: 1 });
    expect(await tenantsOf('ten-alpha', 'ten-alpha-1')).toHaveLength(2);

    const mark = await lastSequence();
    await report(alpha, [{ name: 'ten-alpha-1', installed: [patch('fix.jar'), patch('fix-2.jar')], tenants: [] }]);
    expect(await tenantsOf('ten-alpha', 'ten-alpha-1')).toEqual([]);
    expect(await inventoryEventsSince(mark)).toHaveLength(1);
  });

  it('refuses bad tenants with typed errors and changes nothing', async () => {
    await report(alpha, [{ name: 'ten-alpha-2', installed: [], tenants: [{ name: 'acme' }] }]);
    const cases: [unknown[], string][] = [
      [[{ name: 'ten-alpha-2', installed: [], tenants: Array.from({ length: 1001 }, (_, index) => ({ name: `t-${index}` })) }], 'BATCH_TOO_LARGE'],
      // Tenants count toward the report's 10,000 entries.
      [
        Array.from({ length: 11 }, (_, node) => ({
          name: node === 0 ? 'ten-alpha-2' : `ten-alpha-${node + 2}`,
          installed: [],
          tenants: Array.from({ length: 1000 }, (_, index) => ({ name: `t-${index}` })),
        })),
        'BATCH_TOO_LARGE',
      ],
      [[{ name: 'ten-alpha-2', installed: [], tenants: [{ name: 'acme' }, { name: 'acme', status: 'again' }] }], 'INVALID_ARGUMENT'],
      [[{ name: 'ten-alpha-2', installed: [], tenants: [{ name: 'bad name!' }] }], 'INVALID_NAME'],
      [[{ name: 'ten-alpha-2', installed: [], tenants: [{ name: 'x'.repeat(64) }] }], 'INVALID_NAME'],
      [[{ name: 'ten-alpha-2', installed: [], tenants: [{ name: 'acme', status: 'x'.repeat(201) }] }], 'INVALID_ARGUMENT'],
      [[{ name: 'ten-alpha-2', installed: [], tenants: [{ name: 'acme', status: 'bell\u0007' }] }], 'INVALID_ARGUMENT'],
      // A bad tenant on one node refuses the whole report: the other node's good tenants are not written either.
      [
        [
          { name: 'ten-alpha-1', installed: [], tenants: [{ name: 'fine' }] },
          { name: 'ten-alpha-2', installed: [], tenants: [{ name: '../etc' }] },
        ],
        'INVALID_NAME',
      ],
    ];
    for (const [nodes, code] of cases) expect(await report(alpha, nodes), JSON.stringify(nodes).slice(0, 120)).toMatchObject({ code });
    expect(await tenantsOf('ten-alpha', 'ten-alpha-2')).toEqual([{ name: 'acme', status: null }]);
    expect(await tenantsOf('ten-alpha', 'ten-alpha-1')).toEqual([]);
    const refusal = ok<any>(await server.gql(REPORT_INVENTORY, { input: { nodes: cases[3][0] } }, alpha.credential)).reportInventory;
    expect(refusal.message).not.toMatch(/select|insert|node_tenants|at .*\.ts/i);
  });

  it('refuses tenants for nodes of another cluster, audits the refusal and applies the rest', async () => {
    const mark = (await server.database.db.select({ last: max(auditLog.id) }).from(auditLog))[0].last ?? 0;
    const receipt = await report(alpha, [
      { name: 'ten-beta-1', installed: [], tenants: [{ name: 'intruder' }] },
      { name: 'ten-alpha-2', installed: [], tenants: [{ name: 'acme' }, { name: 'hooli' }] },
    ]);
    expect(receipt).toMatchObject({ changed: ['ten-alpha-2'], refused: [{ node: 'ten-beta-1', code: 'UNKNOWN_NODE' }] });
    expect(await tenantsOf('ten-beta', 'ten-beta-1')).toEqual([]);
    const audited = await server.database.db.select().from(auditLog).where(gt(auditLog.id, mark));
    expect(audited).toEqual([expect.objectContaining({ action: 'inventory.report', result: 'DENIED', errorCode: 'NOT_IN_CLUSTER' })]);
  });

  it('answers which member nodes host a tenant, in pages, to viewers', async () => {
    await report(alpha, [{ name: 'ten-alpha-1', installed: [], tenants: [{ name: 'acme', status: 'running' }] }]);
    await report(beta, [{ name: 'ten-beta-1', installed: [], tenants: [{ name: 'acme', status: 'stopped' }, { name: 'umbrella' }] }]);
    const first = ok<any>(await server.gql(NODES_WITH_TENANT, { name: 'acme' }, viewer)).nodesWithTenant;
    expect(first.totalCount).toBe(3);
    expect(first.nodes).toEqual([
      { node: { name: 'ten-alpha-1', cluster: { name: 'ten-alpha' } }, tenant: { name: 'acme', status: 'running' } },
      { node: { name: 'ten-alpha-2', cluster: { name: 'ten-alpha' } }, tenant: { name: 'acme', status: null } },
    ]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = ok<any>(await server.gql(NODES_WITH_TENANT, { name: 'acme', after: first.pageInfo.endCursor }, viewer)).nodesWithTenant;
    expect(rest.nodes).toEqual([{ node: { name: 'ten-beta-1', cluster: { name: 'ten-beta' } }, tenant: { name: 'acme', status: 'stopped' } }]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    expect(ok<any>(await server.gql(NODES_WITH_TENANT, { name: 'nobody' }, viewer)).nodesWithTenant.totalCount).toBe(0);
    const invalid = await server.gql(NODES_WITH_TENANT, { name: 'not a name' }, viewer);
    expect(invalid.errors?.[0].extensions?.code).toBe('INVALID_NAME');
    const anonymous = await server.gql(NODES_WITH_TENANT, { name: 'acme' });
    expect(anonymous.errors?.[0].extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
  });

  it('forgets a node’s tenants with the node', async () => {
    const node = ok<any>(await server.gql('{ cluster(name: "ten-beta") { nodes(first: 10) { nodes { id name } } } }', {}, viewer)).cluster.nodes.nodes.find(
      (candidate: any) => candidate.name === 'ten-beta-1',
    );
    const removed = ok<any>(await server.gql('mutation($id: ID!) { removeNode(id: $id) { __typename } }', { id: node.id }, server.adminToken));
    expect(removed.removeNode.__typename).toBe('Removed');
    expect(ok<any>(await server.gql(NODES_WITH_TENANT, { name: 'umbrella' }, viewer)).nodesWithTenant.totalCount).toBe(0);
  });
});
