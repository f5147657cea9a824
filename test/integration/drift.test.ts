import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personToken } from '../helpers/accounts.ts';
import { uploadContent } from '../helpers/content.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { reportInventory } from '../helpers/inventory.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const file = (kind: string, name: string, content: string) => ({ kind, name, sha256: sha256(content), size: content.length });
const COUNTS = 'inSync missing different installedNotLoaded unexpected';
const none = { inSync: 0, missing: 0, different: 0, installedNotLoaded: 0, unexpected: 0 };

describe('drift: what nodes have against what their baselines want', () => {
  let server: TestServer;
  let operator: string;
  let web: ScriptedManager;

  const gql = async (query: string, variables: Record<string, unknown> = {}) => ok<any>(await server.gql(query, variables, operator));
  const report = (manager: ScriptedManager, nodes: unknown[]) => reportInventory(server, manager, nodes);
  const driftOf = async (node: string) => {
    const cluster = node.startsWith('web') ? 'web' : 'db';
    const query =
      'query($c: String!) { cluster(name: $c) { nodes(first: 5) { nodes { name drift { kind name state baselineName wanted { version } installedSha256 } } } } }';
    const nodes = (await gql(query, { c: cluster })).cluster.nodes.nodes;
    return nodes.find((each: any) => each.name === node).drift.map((entry: any) => [entry.kind, entry.name, entry.state]);
  };
  const fileOf = async (node: string, name: string) => {
    const data = await gql(
      'query($c: String!) { cluster(name: $c) { nodes(first: 5) { nodes { name drift { name state baselineName wanted { version } wantedSha256 installedSha256 } } } } }',
      {
        c: 'web',
      },
    );
    return data.cluster.nodes.nodes.find((each: any) => each.name === node).drift.find((entry: any) => entry.name === name);
  };

  beforeAll(async () => {
    server = await startTestServer();
    operator = await personToken(server, 'operator', 'OPERATOR');
    web = await enrollManager(server, 'web', { workers: ['web-1', 'web-2', 'web-3'] });
    await enrollManager(server, 'db', { workers: ['db-1'] });
    const upload = async (kind: string, name: string, version: string, content: string) =>
      (await uploadContent(server, { kind, name, version }, content, operator)).body.item.id as string;
    await upload('PATCH', 'fix.jar', '1', 'fix one');
    const fix2 = await upload('PATCH', 'fix.jar', '2', 'fix two');
    await upload('PATCH', 'extra.jar', '1', 'extra');
    const config = await upload('CONFIG', 'app.conf', '1', 'node={{node.name}}\n');
    const created = (
      await gql('mutation($i: BaselineInput!) { createBaseline(name: "fleet", input: $i) { __typename } }', {
        i: { target: { all: true }, itemIds: [fix2, config], message: 'fix two and the settings' },
      })
    ).createBaseline;
    expect(created.__typename).toBe('Baseline');

    const fixOne = file('PATCH', 'fix.jar', 'fix one');
    const fixTwo = file('PATCH', 'fix.jar', 'fix two');
    const settingsOf = (node: string) => file('CONFIG', 'app.conf', `node=${node}\n`);
    const loaded = (items: ReturnType<typeof file>[]) => items.map(({ kind, name, sha256 }) => ({ kind, name, sha256 }));
    await report(web, [
      { name: 'web-1', installed: [fixTwo, settingsOf('web-1')], loaded: loaded([fixTwo, settingsOf('web-1')]) },
      { name: 'web-2', installed: [fixOne, file('PATCH', 'extra.jar', 'extra')], loaded: loaded([fixOne]) },
      { name: 'web-3', installed: [fixTwo, file('CONFIG', 'app.conf', 'node=web-3\nedited = by hand\n')], loaded: loaded([fixOne]) },
    ]);
  });
  afterAll(() => server.stop());

  it('tells, per file, in sync from missing, different, installed but not loaded, and unexpected', async () => {
    expect(await driftOf('web-1')).toEqual([
      ['CONFIG', 'app.conf', 'IN_SYNC'],
      ['PATCH', 'fix.jar', 'IN_SYNC'],
    ]);
    expect(await fileOf('web-2', 'fix.jar')).toEqual({
      name: 'fix.jar',
      state: 'DIFFERENT',
      baselineName: 'fleet',
      wanted: { version: '2' },
      wantedSha256: sha256('fix two'),
      installedSha256: sha256('fix one'),
    });
    expect(await driftOf('web-2')).toEqual([
      ['CONFIG', 'app.conf', 'MISSING'],
      ['PATCH', 'extra.jar', 'UNEXPECTED'],
      ['PATCH', 'fix.jar', 'DIFFERENT'],
    ]);
    // A configuration file is compared with its template rendered for the node: an edit by hand is DIFFERENT.
    expect(await driftOf('web-3')).toEqual([
      ['CONFIG', 'app.conf', 'DIFFERENT'],
      ['PATCH', 'fix.jar', 'INSTALLED_NOT_LOADED'],
    ]);
    expect(await driftOf('db-1')).toEqual([
      ['CONFIG', 'app.conf', 'MISSING'],
      ['PATCH', 'fix.jar', 'MISSING'],
    ]);
  });

  it('counts drift over a target by cluster and by item', async () => {
    const summary = (
      await gql(`{ driftSummary(target: { tags: { tags: ["role:worker"] } }) {
        nodeCount total { ${COUNTS} } clusters { clusterName ${COUNTS} } items { kind name ${COUNTS} }
      } }`)
    ).driftSummary;
    expect(summary.nodeCount).toBe(4);
    expect(summary.total).toEqual({ inSync: 2, missing: 3, different: 2, installedNotLoaded: 1, unexpected: 1 });
    expect(summary.clusters).toEqual(
      expect.arrayContaining([
        { clusterName: 'web', inSync: 2, missing: 1, different: 2, installedNotLoaded: 1, unexpected: 1 },
        { clusterName: 'db', ...none, missing: 2 },
      ]),
    );
    expect(summary.items).toEqual([
      { kind: 'CONFIG', name: 'app.conf', ...none, inSync: 1, missing: 2, different: 1 },
      { kind: 'PATCH', name: 'extra.jar', ...none, unexpected: 1 },
      { kind: 'PATCH', name: 'fix.jar', ...none, inSync: 1, missing: 1, different: 1, installedNotLoaded: 1 },
    ]);
    const refused = await server.gql('{ driftSummary(target: { clusters: ["nowhere"] }) { nodeCount } }', {}, operator);
    expect(refused.errors?.[0].extensions?.code).toBe('INVALID_TARGET');
  });
});
