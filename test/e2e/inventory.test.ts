import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
import { runOpscenter } from '../helpers/process.ts';

const sha256 = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

/** The real agent and demo workers report what each worker has installed and what its process loaded. */
describe('fleet inventory with real processes', () => {
  let oc: LiveOc;
  let agent: LiveAgent;

  beforeAll(async () => {
    oc = await LiveOc.start();
    await oc.createCluster('inv');
    agent = await LiveAgent.create(oc, { cluster: 'inv', workers: 2, withConfigFile: true, enrollmentToken: await oc.enrollmentToken('inv') });
    agent.start();
    await oc.eventually(
      () => oc.statuses('inv'),
      (value) => ['inv-1', 'inv-2'].every((name) => value[name]?.status === 'UP'),
    );
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
  });

  const inventory = async (name: string) => {
    const id = (await oc.statuses('inv'))[name].id;
    return (await oc.query(`query($id: ID!) { node(id: $id) { inventory { kind name sha256 size installed loaded } } }`, { id })).node.inventory as {
      kind: string;
      name: string;
      sha256: string;
      size: number | null;
      installed: boolean;
      loaded: boolean;
    }[];
  };

  it('reports the config file the worker read at start as installed and loaded', async () => {
    const items = await oc.eventually(
      () => inventory('inv-1'),
      (value) => value.length > 0,
    );
    expect(items).toEqual([
      { kind: 'CONFIG', name: 'worker.properties', sha256: sha256('name=inv-1\n'), size: 'name=inv-1\n'.length, installed: true, loaded: true },
    ]);
  });

  it('a patch put in place is installed but not loaded; after a restart it is loaded', async () => {
    const bytes = 'hotfix for the demo worker';
    fs.writeFileSync(path.join(agent.patchesDir('inv-1'), 'hotfix-7.jar'), bytes);
    const patch = (items: Awaited<ReturnType<typeof inventory>>) => items.find((item) => item.kind === 'PATCH' && item.name === 'hotfix-7.jar');
    const installed = await oc.eventually(
      () => inventory('inv-1'),
      (value) => patch(value) !== undefined,
    );
    expect(patch(installed)).toEqual({ kind: 'PATCH', name: 'hotfix-7.jar', sha256: sha256(bytes), size: bytes.length, installed: true, loaded: false });
    // Which servers have this patch? Only inv-1.
    const holders = await oc.query(`query($sha: String) { nodesWithContent(sha256: $sha, first: 10) { nodes { node { name } item { loaded } } } }`, {
      sha: sha256(bytes),
    });
    expect(holders.nodesWithContent.nodes).toEqual([{ node: { name: 'inv-1' }, item: { loaded: false } }]);

    const created = await oc.query(CREATE_OPERATION, { input: { kind: 'ROLLING_RESTART', target: { nodes: [(await oc.statuses('inv'))['inv-1'].id] } } });
    const id = created.createOperation.id as string;
    expect(id, JSON.stringify(created)).toBeTruthy();
    await oc.eventually(
      () => oc.query(`query($id: ID!) { operation(id: $id) { state } }`, { id }),
      (value) => value.operation.state === 'SUCCEEDED',
      60_000,
    );
    const loaded = await oc.eventually(
      () => inventory('inv-1'),
      (value) => patch(value)?.loaded === true,
    );
    expect(patch(loaded)).toMatchObject({ installed: true, loaded: true, sha256: sha256(bytes) });
    expect(await inventory('inv-2')).toEqual([expect.objectContaining({ kind: 'CONFIG', loaded: true })]);
  });

  it('a config file changed under a running worker is installed with its new hash, not loaded', async () => {
    fs.writeFileSync(agent.workerConfigFile('inv-2'), 'name=inv-2\nthreads=8\n');
    const items = await oc.eventually(
      () => inventory('inv-2'),
      (value) => value[0]?.sha256 === sha256('name=inv-2\nthreads=8\n'),
    );
    expect(items).toEqual([expect.objectContaining({ kind: 'CONFIG', installed: true, loaded: false })]);
  });

  it('shows drift against a baseline, per node and from the command line', async () => {
    const upload = await fetch(`${oc.url}/api/content?kind=PATCH&name=hotfix-7.jar&version=7`, {
      method: 'POST',
      headers: { authorization: `Bearer ${oc.token}`, 'content-type': 'application/octet-stream' },
      body: 'hotfix for the demo worker',
    });
    const { item } = (await upload.json()) as { item: { id: string } };
    const created = await oc.query('mutation($i: BaselineInput!) { createBaseline(name: "inv-fixes", input: $i) { __typename } }', {
      i: { target: { clusters: ['inv'] }, itemIds: [item.id], message: 'hotfix 7 everywhere' },
    });
    expect(created.createBaseline.__typename).toBe('Baseline');
    const drift = async (name: string) => {
      const id = (await oc.statuses('inv'))[name].id;
      return (await oc.query('query($id: ID!) { node(id: $id) { drift { name state } } }', { id })).node.drift as { name: string; state: string }[];
    };
    expect((await drift('inv-1')).find((file) => file.name === 'hotfix-7.jar')?.state).toBe('IN_SYNC');
    expect((await drift('inv-2')).find((file) => file.name === 'hotfix-7.jar')?.state).toBe('MISSING');

    const run = runOpscenter(['drift', '--cluster', 'inv'], { OPSCENTER_URL: oc.url, OPSCENTER_TOKEN: oc.token });
    expect((await run.exited).code, run.output()).toBe(0);
    // Workers only (the manager has no baseline); each worker's config file is one no baseline wants.
    expect(run.output()).toMatch(/^2 workers$/m);
    expect(run.output()).toMatch(/^inv\s+1\s+1\s+0\s+0\s+2$/m);
    expect(run.output()).toMatch(/^patch hotfix-7.jar\s+1\s+1\s+0\s+0\s+0$/m);
  });
});
