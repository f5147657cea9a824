import { createHash } from 'node:crypto';
import { asc, gt, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { personToken } from '../helpers/accounts.ts';
import { uploadContent } from '../helpers/content.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const BASELINE = `__typename ... on Baseline { id name currentVersion } ... on Error { code message }`;
const DESIRED = `query($id: ID!) { node(id: $id) { desiredState { items { item { name version kind } baselineName sha256 } conflicts { kind name claims { baselineName item { version } } } } } }`;

describe('baselines: desired state, versioned', () => {
  let server: TestServer;
  let operator: string;
  const items: Record<string, string> = {};
  const nodes: Record<string, string> = {};

  const gql = async (query: string, variables: Record<string, unknown> = {}) => ok<any>(await server.gql(query, variables, operator));
  const create = async (name: string, target: object, itemIds: string[], message = 'first') =>
    (
      await gql(`mutation($n: String!, $i: BaselineInput!) { createBaseline(name: $n, input: $i) { ${BASELINE} } }`, {
        n: name,
        i: { target, itemIds, message },
      })
    ).createBaseline;
  const update = async (id: string, target: object, itemIds: string[], message: string) =>
    (await gql(`mutation($id: String!, $i: BaselineInput!) { updateBaseline(id: $id, input: $i) { ${BASELINE} } }`, { id, i: { target, itemIds, message } }))
      .updateBaseline;
  const desired = async (node: string) => (await gql(DESIRED, { id: nodes[node] })).node.desiredState;
  const count = async () => (await gql('{ baselines(first: 100) { totalCount } }')).baselines.totalCount;

  beforeAll(async () => {
    server = await startTestServer();
    operator = await personToken(server, 'operator', 'OPERATOR');
    await enrollManager(server, 'web', { workers: ['web-1', 'web-2'], tags: ['datacenter 1'] });
    await enrollManager(server, 'db', { workers: ['db-1'], tags: ['datacenter 2'] });
    const listed = await gql('{ nodes(first: 100) { nodes { id name } } }');
    for (const node of listed.nodes.nodes) nodes[node.name] = node.id;
    const uploads: [string, string, string, string][] = [
      ['p1', 'PATCH', 'fix.jar', '1'],
      ['p2', 'PATCH', 'fix.jar', '2'],
      ['p3', 'PATCH', 'fix.jar', '3'],
      ['p4', 'PATCH', 'fix.jar', '4'],
      ['tool', 'ARTIFACT', 'tool.war', '1'],
    ];
    for (const [key, kind, name, version] of uploads) {
      const uploaded = await uploadContent(server, { kind, name, version }, `${key} bytes`, operator);
      items[key] = uploaded.body.item.id;
    }
    const template = 'cluster={{cluster.name}}\nnode={{node.name}} at {{node.address}}\ntags={{#tags}}{{.}};{{/tags}}\nurl=<{{labels.url}}>\n';
    items.config = (await uploadContent(server, { kind: 'CONFIG', name: 'app.conf', version: '1', requiresRestart: 'false' }, template, operator)).body.item.id;
    items.badTemplate = (await uploadContent(server, { kind: 'CONFIG', name: 'bad.conf', version: '1' }, 'x={{#open}}', operator)).body.item.id;
  });
  afterAll(() => server.stop());

  it('keeps every version with who and why, compares any two, restores an old one as a new version, and audits each change', async () => {
    const [{ last }] = await server.database.db.select({ last: max(auditLog.id) }).from(auditLog);
    const baseline = await create('history', { clusters: ['db'] }, [items.p1, items.config], 'first rollout');
    expect(baseline).toMatchObject({ __typename: 'Baseline', currentVersion: 1 });
    expect((await update(baseline.id, { clusters: ['db'] }, [items.p2, items.config], 'the leak fix')).currentVersion).toBe(2);
    // Saving what is current again makes no version.
    expect((await update('history', { clusters: ['db'] }, [items.p2, items.config], 'again')).currentVersion).toBe(2);
    const restored = (await gql(`mutation { restoreBaselineVersion(id: "history", version: 1, message: "fix.jar 2 broke logins") { ${BASELINE} } }`))
      .restoreBaselineVersion;
    expect(restored.currentVersion).toBe(3);

    const read = (
      await gql(`{ baseline(id: "history") {
        versions(first: 10) { totalCount nodes { version message author items { version } } }
        diff(from: 1, to: 2) { targetChanged added { name version } removed { name version } }
        current { version items { name version } }
      } }`)
    ).baseline;
    expect(
      read.versions.nodes.map((version: any) => [version.version, version.message, version.author, version.items.map((item: any) => item.version)]),
    ).toEqual([
      [3, 'fix.jar 2 broke logins', 'operator', ['1', '1']],
      [2, 'the leak fix', 'operator', ['2', '1']],
      [1, 'first rollout', 'operator', ['1', '1']],
    ]);
    expect(read.diff).toEqual({ targetChanged: false, added: [{ name: 'fix.jar', version: '2' }], removed: [{ name: 'fix.jar', version: '1' }] });
    expect(read.current.items).toEqual([
      { name: 'fix.jar', version: '1' },
      { name: 'app.conf', version: '1' },
    ]);
    const rows = await server.database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, last ?? 0))
      .orderBy(asc(auditLog.id));
    expect(rows.map((row) => [row.action, row.result, row.targetId])).toEqual([
      ['baseline.create', 'SUCCESS', baseline.id],
      ['baseline.update', 'SUCCESS', baseline.id],
      ['baseline.update', 'SUCCESS', baseline.id],
      ['baseline.restore', 'SUCCESS', baseline.id],
    ]);
    await gql('mutation { deleteBaseline(id: "history") { __typename } }');
  });

  it('lets the most specific baseline decide each file name, and reports equally specific baselines that disagree', async () => {
    await create('everywhere', { all: true }, [items.p1, items.tool]);
    await create('web-cluster', { clusters: ['web'] }, [items.p2]);
    await create('dc1', { tags: { tags: ['datacenter 1'] } }, [items.p3]);
    await create('web-workers', { tags: { tags: ['role:worker', 'cluster:web'] } }, [items.p4]);
    await create('web-1-only', { nodes: [nodes['web-1']] }, [items.p3]);

    const fixOf = (state: any) => state.items.find((item: any) => item.item.name === 'fix.jar');
    // db-1: only the system-wide baseline selects it.
    expect(fixOf(await desired('db-1'))).toMatchObject({ item: { version: '1' }, baselineName: 'everywhere' });
    // web-1: its own node baseline beats the cluster and the tags.
    expect(fixOf(await desired('web-1'))).toMatchObject({ item: { version: '3' }, baselineName: 'web-1-only' });
    // web-2: the cluster beats the tag baselines.
    const web2 = await desired('web-2');
    expect(fixOf(web2)).toMatchObject({ item: { version: '2' }, baselineName: 'web-cluster' });
    expect(web2.items.map((item: any) => [item.item.kind, item.item.name])).toEqual([
      ['ARTIFACT', 'tool.war'],
      ['PATCH', 'fix.jar'],
    ]);
    expect(web2.conflicts).toEqual([]);

    // Without the cluster baseline, two tag baselines of equal rank disagree on web-2: a conflict, and no fix.jar.
    await gql('mutation { deleteBaseline(id: "web-cluster") { __typename } }');
    const conflicted = await desired('web-2');
    expect(fixOf(conflicted)).toBeUndefined();
    expect(conflicted.conflicts).toEqual([
      {
        kind: 'PATCH',
        name: 'fix.jar',
        claims: expect.arrayContaining([
          { baselineName: 'dc1', item: { version: '3' } },
          { baselineName: 'web-workers', item: { version: '4' } },
        ]),
      },
    ]);
    for (const name of ['everywhere', 'dc1', 'web-workers', 'web-1-only']) await gql(`mutation { deleteBaseline(id: "${name}") { __typename } }`);
  });

  it('renders a configuration template for each node: what the node must have is the rendered file’s hash', async () => {
    await create('config', { all: true }, [items.config]);
    const configOf = async (node: string) => (await desired(node)).items.find((item: any) => item.item.name === 'app.conf');
    expect((await configOf('web-1')).sha256).toBe(
      sha256('cluster=web\nnode=web-1 at web-1:8080\ntags=cluster:web;product:application-server;role:worker;datacenter 1;\nurl=<>\n'),
    );
    expect((await configOf('db-1')).sha256).toBe(
      sha256('cluster=db\nnode=db-1 at db-1:8080\ntags=cluster:db;product:application-server;role:worker;datacenter 2;\nurl=<>\n'),
    );
    // A list of nodes gets the same answers, computed together.
    const listed = (await gql('{ nodes(first: 20) { nodes { name desiredState { items { item { name } sha256 } } } } }')).nodes.nodes;
    for (const node of ['web-1', 'db-1'])
      expect(listed.find((each: any) => each.name === node).desiredState.items.find((item: any) => item.item.name === 'app.conf').sha256).toBe(
        (await configOf(node)).sha256,
      );
    await gql('mutation { deleteBaseline(id: "config") { __typename } }');
  });

  it('refuses bad versions with typed errors and changes nothing', async () => {
    await create('taken', { all: true }, [items.tool]);
    const before = await count();
    const cases: [string, object, string[], string, string][] = [
      ['two-of-a-name', { all: true }, [items.p1, items.p2], 'x', 'INVALID_ARGUMENT'],
      ['missing-item', { all: true }, ['00000000-0000-4000-8000-000000000000'], 'x', 'NOT_FOUND'],
      ['bad-target', { clusters: ['nowhere'] }, [items.tool], 'x', 'INVALID_TARGET'],
      ['no-message', { all: true }, [items.tool], '  ', 'INVALID_ARGUMENT'],
      ['bad-template', { all: true }, [items.badTemplate], 'x', 'INVALID_ARGUMENT'],
      ['bad name!', { all: true }, [items.tool], 'x', 'INVALID_NAME'],
      ['taken', { all: true }, [items.tool], 'x', 'NAME_TAKEN'],
    ];
    for (const [name, target, itemIds, message, code] of cases) expect((await create(name, target, itemIds, message)).code, name).toBe(code);
    expect((await update('taken', { all: true }, [items.p1, items.p2], 'x')).code).toBe('INVALID_ARGUMENT');
    expect(
      (await gql('mutation { restoreBaselineVersion(id: "taken", version: 7, message: "x") { __typename ... on Error { code } } }')).restoreBaselineVersion
        .code,
    ).toBe('NOT_FOUND');
    expect(await count()).toBe(before);
    expect((await gql('{ baseline(id: "taken") { currentVersion } }')).baseline.currentVersion).toBe(1);
    await gql('mutation { deleteBaseline(id: "taken") { __typename } }');
  });

  it('refuses to delete a content item a baseline lists, until the baseline stops listing it', async () => {
    const baseline = await create('keeps-tool', { all: true }, [items.tool, items.p1]);
    const refused = (await gql(`mutation { deleteContentItem(id: "${items.tool}") { __typename ... on Error { code message } } }`)).deleteContentItem;
    expect(refused).toEqual({
      __typename: 'ConflictError',
      code: 'CONTENT_IN_USE',
      message: 'tool.war 1 is listed by the baseline "keeps-tool"; remove it from them first.',
    });
    await update(baseline.id, { all: true }, [items.p1], 'tool retired');
    expect((await gql(`mutation { deleteContentItem(id: "${items.tool}") { __typename } }`)).deleteContentItem.__typename).toBe('Removed');
  });
});
