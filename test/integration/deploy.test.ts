import { createHash } from 'node:crypto';
import { and, asc, eq, gt, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { personToken } from '../helpers/accounts.ts';
import { uploadContent } from '../helpers/content.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { reportInventory } from '../helpers/inventory.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
import { type ReceivedCommand, ScriptedAgent } from '../helpers/scripted-agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const file = (kind: string, name: string, content: string) => ({ kind, name, sha256: sha256(content), size: content.length });
const loaded = (items: ReturnType<typeof file>[]) => items.map(({ kind, name, sha256 }) => ({ kind, name, sha256 }));

const PLAN = `query($input: OperationInput!) {
  planOperation(input: $input) {
    nodeCount warnings
    batches { nodes { nodeName change { install { kind name version sha256 } remove restart summary } } }
  }
}`;

const OPERATION = `query($id: ID!) {
  operation(id: $id) {
    id kind state stateReason
    progress { total pending inFlight succeeded failed reverted cancelled }
    steps(first: 100) { nodes { nodeName phase state message change { summary } } }
  }
}`;

// One server for the file, with the engine driven by the test; each test deploys to clusters of its own.
describe('DEPLOY: bringing workers to their baselines through their managers', () => {
  let server: TestServer;
  let operator: string;
  const items: Record<string, string> = {};

  const gql = async (query: string, variables: Record<string, unknown> = {}) => ok<any>(await server.gql(query, variables, operator));
  const engine = () => server.app.services.engine.tick();
  const create = async (input: Record<string, unknown>, key?: string) =>
    (await gql(CREATE_OPERATION, { input: { kind: 'DEPLOY', ...input }, key })).createOperation;
  const read = async (id: string) => (await gql(OPERATION, { id })).operation;
  const download = (contentId: string, credential: string) =>
    fetch(`${server.url}/api/content/${contentId}`, { headers: { authorization: `Bearer ${credential}` } });
  const after = (agent: ScriptedAgent, ms: number) => agent.after(ms);
  const deployed = (agent: ScriptedAgent, command: ReceivedCommand) => agent.deploy(command);

  const fixOne = file('PATCH', 'fix.jar', 'fix one');
  const fixTwo = file('PATCH', 'fix.jar', 'fix two');
  const extra = file('PATCH', 'extra.jar', 'extra');
  const settingsOf = (node: string) => file('CONFIG', 'app.conf', `node=${node}\n`);

  /** A cluster whose workers have the given files installed and loaded, and a scripted manager for it. */
  async function fleet(name: string, installed: Record<string, ReturnType<typeof file>[]>) {
    const workers = Object.keys(installed);
    const manager = await enrollManager(server, name, { workers });
    await reportInventory(
      server,
      manager,
      workers.map((worker) => ({ name: worker, installed: installed[worker], loaded: loaded(installed[worker]) })),
    );
    const agent = new ScriptedAgent(server, manager, workers);
    await agent.beat();
    return agent;
  }

  beforeAll(async () => {
    server = await startTestServer({ config: { operationsTick: '1h' } });
    operator = await personToken(server, 'operator', 'OPERATOR');
    const upload = async (kind: string, name: string, version: string, content: string) =>
      (await uploadContent(server, { kind, name, version }, content, operator)).body.item.id as string;
    items.fixOne = await upload('PATCH', 'fix.jar', '1', 'fix one');
    items.fixTwo = await upload('PATCH', 'fix.jar', '2', 'fix two');
    items.extra = await upload('PATCH', 'extra.jar', '1', 'extra');
    items.config = await upload('CONFIG', 'app.conf', '1', 'node={{node.name}}\n');
    const created = (
      await gql('mutation($i: BaselineInput!) { createBaseline(name: "fleet", input: $i) { __typename } }', {
        i: { target: { all: true }, itemIds: [items.fixTwo, items.config], message: 'fix two and the settings' },
      })
    ).createBaseline;
    expect(created.__typename).toBe('Baseline');
    await server.tick(30_000);
  });
  afterAll(() => server.stop());

  it('plans each drifted worker’s change and leaves out the workers in sync', async () => {
    await fleet('plan', {
      'plan-1': [fixTwo, settingsOf('plan-1')],
      'plan-2': [fixOne, extra],
      'plan-3': [],
    });
    const plan = (await gql(PLAN, { input: { kind: 'DEPLOY', target: { clusters: ['plan'] } } })).planOperation;
    expect(plan.nodeCount).toBe(2);
    const changes = Object.fromEntries(plan.batches.flatMap((batch: any) => batch.nodes.map((node: any) => [node.nodeName, node.change])));
    expect(Object.keys(changes).sort()).toEqual(['plan-2', 'plan-3']);
    expect(changes['plan-2']).toMatchObject({
      install: [
        { kind: 'PATCH', name: 'fix.jar', version: '2', sha256: fixTwo.sha256 },
        { kind: 'CONFIG', name: 'app.conf', version: '1', sha256: settingsOf('plan-2').sha256 },
      ].sort((a, b) => a.kind.localeCompare(b.kind)),
      remove: ['PATCH/extra.jar'],
      restart: true,
      summary: 'app.conf 1, fix.jar 2, remove extra.jar',
    });
  });

  it('sends each manager its worker’s change, lets it download only the content its commands name, and succeeds once the node is healthy', async () => {
    const agent = await fleet('dep', { 'dep-1': [fixOne], 'dep-2': [fixTwo, settingsOf('dep-2')] });
    const other = await fleet('dep-other', { 'dep-other-1': [fixOne] });
    const operation = await create({ target: { clusters: ['dep'] }, strategy: { minHealthyTime: '10s' } });
    expect(operation.__typename, JSON.stringify(operation)).toBe('Operation');
    await engine();
    const [command] = await agent.received(1);
    expect(command).toMatchObject({ kind: 'DEPLOY', nodeName: 'dep-1', operationId: operation.id });
    expect(command.params).toEqual({
      __typename: 'DeployParams',
      install: [
        {
          kind: 'CONFIG',
          name: 'app.conf',
          sha256: settingsOf('dep-1').sha256,
          size: 11,
          contentId: null,
          inline: Buffer.from('node=dep-1\n').toString('base64'),
        },
        { kind: 'PATCH', name: 'fix.jar', sha256: fixTwo.sha256, size: 7, contentId: items.fixTwo, inline: null },
      ],
      remove: [],
      restart: true,
      minHealthyTimeMs: 10_000,
      healthyDeadlineMs: 300_000,
    });

    const mark = (await server.database.db.select({ last: max(auditLog.id) }).from(auditLog))[0].last ?? 0;
    const allowed = await download(items.fixTwo, agent.manager.credential);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toBe('fix two');
    const notNamed = await download(items.extra, agent.manager.credential);
    expect(notNamed.status).toBe(403);
    expect((await notNamed.json()).errors[0].extensions.code).toBe('FORBIDDEN');
    const otherCluster = await download(items.fixTwo, other.manager.credential);
    expect(otherCluster.status).toBe(403);
    const refusals = await server.database.db
      .select()
      .from(auditLog)
      .where(and(gt(auditLog.id, mark), eq(auditLog.action, 'content.download')))
      .orderBy(asc(auditLog.id));
    expect(refusals.map((row) => [row.result, row.errorCode, row.targetId])).toEqual([
      ['DENIED', 'NOT_NAMED_BY_COMMAND', items.extra],
      ['DENIED', 'NOT_NAMED_BY_COMMAND', items.fixTwo],
    ]);

    const inUse = (await gql('mutation($id: ID!) { deleteContentItem(id: $id) { __typename ... on Error { code message } } }', { id: items.fixTwo }))
      .deleteContentItem;
    expect(inUse.code).toBe('CONTENT_IN_USE');
    expect(inUse.message).toContain(`being deployed by the unfinished operation ${operation.id}`);

    await agent.report(command, 'RUNNING');
    agent.states.set('dep-1', 'STOPPED');
    await agent.beat();
    agent.states.set('dep-1', 'HEALTHY');
    await agent.beat();
    server.clock.advance(10_000);
    await agent.report(command, 'SUCCEEDED', 'dep-1 changed; healthy 10 s with it loaded');
    await engine();
    expect((await read(operation.id)).steps.nodes[0]).toMatchObject({ state: 'RESTARTED' });
    // The manager has watched it healthy for minHealthyTime already: one heartbeat batch after its report is enough.
    await after(agent, 1_000);
    const done = await read(operation.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: { total: 1, succeeded: 1 } });
    expect(done.steps.nodes[0].message).toBe('changed; healthy with the new content loaded');
    expect((await download(items.fixTwo, agent.manager.credential)).status).toBe(403);
  });

  it('ends a step the manager reverted as REVERTED, a failure that aborts the operation', async () => {
    const agent = await fleet('rev', { 'rev-1': [fixOne], 'rev-2': [fixOne] });
    const operation = await create({ target: { clusters: ['rev'] } });
    await engine();
    const [command] = await agent.received(1);
    await agent.report(command, 'RUNNING');
    await agent.report(command, 'FAILED', 'reverted: rev-1 was not healthy within 300 s after the change (health check failing)', 'REVERTED');
    await after(agent, 1_000);
    const failed = await read(operation.id);
    expect(failed).toMatchObject({ state: 'FAILED', progress: { total: 2, failed: 1, reverted: 1, cancelled: 1 } });
    expect(failed.steps.nodes[0]).toMatchObject({
      state: 'REVERTED',
      message: 'reverted: rev-1 was not healthy within 300 s after the change (health check failing)',
    });
    expect(agent.commands).toHaveLength(1);
  });

  it('with rollbackOnFailure, reverts the nodes it changed, last first, under the same budget, and ends FAILED saying so', async () => {
    const agent = await fleet('rb', { 'rb-1': [fixOne], 'rb-2': [fixOne], 'rb-3': [fixOne], 'rb-4': [fixOne] });
    const operation = await create({ target: { clusters: ['rb'] }, strategy: { maxFailures: 0, rollbackOnFailure: true, maxUnavailable: 1 } });
    await engine();
    for (const index of [0, 1]) {
      const command = (await agent.received(index + 1))[index];
      expect(command.nodeName).toBe(`rb-${index + 1}`);
      await deployed(agent, command);
    }
    const third = (await agent.received(3))[2];
    await agent.report(third, 'FAILED', 'reverted: rb-3 did not load fix.jar', 'REVERTED');
    await after(agent, 1_000);
    const rollingBack = await read(operation.id);
    expect(rollingBack.stateReason).toBe('1 failed step, more than maxFailures (0); rolling back 2 nodes in progress');
    // One node at a time (maxUnavailable 1), the last changed first.
    const firstRevert = (await agent.received(4))[3];
    expect(firstRevert).toMatchObject({ kind: 'REVERT', nodeName: 'rb-2', params: { __typename: 'RevertParams', restart: true } });
    await engine();
    expect(agent.commands).toHaveLength(4);
    await deployed(agent, firstRevert);
    const secondRevert = (await agent.received(5))[4];
    expect(secondRevert).toMatchObject({ kind: 'REVERT', nodeName: 'rb-1' });
    await deployed(agent, secondRevert);
    const done = await read(operation.id);
    expect(done.state).toBe('FAILED');
    expect(done.stateReason).toBe('1 failed step, more than maxFailures (0); rolled back 2 nodes');
    expect(done.steps.nodes.map((step: any) => [step.nodeName, step.phase, step.state])).toEqual([
      ['rb-1', 'APPLY', 'SUCCEEDED'],
      ['rb-2', 'APPLY', 'SUCCEEDED'],
      ['rb-3', 'APPLY', 'REVERTED'],
      ['rb-4', 'APPLY', 'CANCELLED'],
      ['rb-2', 'ROLLBACK', 'SUCCEEDED'],
      ['rb-1', 'ROLLBACK', 'SUCCEEDED'],
    ]);
  });

  it('puts given items on the workers that lack them and removes nothing', async () => {
    const agent = await fleet('given', { 'given-1': [extra], 'given-2': [fixOne, extra], 'given-3': [fixOne] });
    const operation = await create({ target: { clusters: ['given'] }, deploy: { items: [items.extra] }, strategy: { maxParallel: 2, maxUnavailable: 2 } });
    await engine();
    const commands = await agent.received(1);
    expect(commands.map((command) => [command.nodeName, command.params.install.map((each: any) => each.name), command.params.remove])).toEqual([
      ['given-3', ['extra.jar'], []],
    ]);
    expect((await read(operation.id)).progress.total).toBe(1);
  });

  it('refuses, with typed errors and nothing started, a deploy with nothing to change, conflicting baselines or wrong options', async () => {
    await fleet('sync', { 'sync-1': [fixTwo, settingsOf('sync-1')] });
    const plan = (await gql(PLAN, { input: { kind: 'DEPLOY', target: { clusters: ['sync'] } } })).planOperation;
    expect(plan).toMatchObject({ nodeCount: 0, warnings: ['Nothing to deploy: every worker of the target already has what it must have.'] });
    expect(await create({ target: { clusters: ['sync'] } })).toMatchObject({ code: 'NOTHING_TO_DEPLOY' });

    await fleet('split', { 'split-1': [] });
    for (const [name, item] of [
      ['split-old', items.fixOne],
      ['split-new', items.fixTwo],
    ]) {
      const made = await gql('mutation($n: String!, $i: BaselineInput!) { createBaseline(name: $n, input: $i) { __typename } }', {
        n: name,
        i: { target: { clusters: ['split'] }, itemIds: [item], message: 'one of two' },
      });
      expect(made.createBaseline.__typename).toBe('Baseline');
    }
    const conflicting = (await gql(PLAN, { input: { kind: 'DEPLOY', target: { clusters: ['split'] } } })).planOperation;
    expect(conflicting.warnings[0]).toBe('split/split-1: PATCH fix.jar is wanted as 2 by "split-new" and 1 by "split-old"');
    const refused = await create({ target: { clusters: ['split'] } });
    expect(refused.code).toBe('BASELINE_CONFLICT');
    expect(refused.message).toContain('split/split-1: PATCH fix.jar is wanted as 2 by "split-new" and 1 by "split-old"');

    expect(await create({ kind: 'ROLLING_RESTART', target: { clusters: ['sync'] }, deploy: { items: [items.extra] } })).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await create({ kind: 'ROLLING_RESTART', target: { clusters: ['sync'] }, strategy: { rollbackOnFailure: true } })).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await create({ target: { clusters: ['sync'] }, strategy: { includeManagers: true } })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await create({ target: { clusters: ['sync'] }, deploy: { items: [] } })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await create({ target: { clusters: ['sync'] }, deploy: { items: ['00000000-0000-4000-8000-000000000000'] } })).toMatchObject({
      code: 'NOT_FOUND',
    });
    const operations = (await gql('{ operations(first: 100, filter: { kinds: [DEPLOY] }) { nodes { target } } }')).operations.nodes;
    expect(operations.filter((each: any) => JSON.stringify(each.target).includes('split'))).toEqual([]);
  });

  it('keeps a baseline enforced: a DEPLOY of its drifted nodes on the timetable, never two at a time, none with nothing to change', async () => {
    const agent = await fleet('enf', { 'enf-1': [fixOne], 'enf-2': [fixTwo, settingsOf('enf-2')] });
    const made = await gql('mutation($i: BaselineInput!) { createBaseline(name: "enf-base", input: $i) { __typename } }', {
      i: { target: { clusters: ['enf'] }, itemIds: [items.fixTwo, items.config], message: 'what enf must have' },
    });
    expect(made.createBaseline.__typename).toBe('Baseline');
    const ENFORCE = `mutation($b: String!, $i: EnforcementInput!) {
      enforceBaseline(baseline: $b, input: $i) { __typename ... on Schedule { id name cron enforces { name } operation } ... on Error { code message } }
    }`;
    const enforced = (await gql(ENFORCE, { b: 'enf-base', i: { cron: '*/5 * * * *', timezone: 'UTC', strategy: { minHealthyTime: '0s' } } })).enforceBaseline;
    expect(enforced).toMatchObject({ __typename: 'Schedule', name: 'enforce-enf-base', cron: '*/5 * * * *', enforces: { name: 'enf-base' } });
    expect(enforced.operation).toMatchObject({ kind: 'DEPLOY', deploy: { itemIds: null }, enforces: { baselineId: expect.any(String) } });
    expect((await gql('{ baseline(id: "enf-base") { enforcement { id } } }')).baseline.enforcement.id).toBe(enforced.id);
    const again = (await gql(ENFORCE, { b: 'enf-base', i: { cron: '*/5 * * * *', timezone: 'UTC', strategy: { minHealthyTime: '0s', maxParallel: 2 } } }))
      .enforceBaseline;
    expect(again).toMatchObject({ id: enforced.id, operation: { strategy: { maxParallel: 2 } } });

    const runs = async () =>
      (await gql('query($id: ID!) { schedule(id: $id) { runs(first: 10) { nodes { state message operationId } } } }', { id: enforced.id })).schedule.runs.nodes;
    const fire = async () => {
      server.clock.advance(5 * 60_000);
      await agent.beat();
      await server.app.services.scheduler.tick();
      await engine();
    };
    await fire();
    const [first] = await runs();
    expect(first.state).toBe('STARTED');
    const operation = await read(first.operationId);
    expect(operation).toMatchObject({ kind: 'DEPLOY', progress: { total: 1 } });
    expect(operation.steps.nodes[0]).toMatchObject({ nodeName: 'enf-1', change: { summary: 'app.conf 1, fix.jar 2' } });

    await fire();
    expect((await runs())[0]).toMatchObject({ state: 'SKIPPED', message: `operation ${first.operationId} of this schedule is still running` });

    await deployed(agent, (await agent.received(1))[0]);
    expect((await read(first.operationId)).state).toBe('SUCCEEDED');
    await reportInventory(server, agent.manager, [{ name: 'enf-1', installed: [fixTwo, settingsOf('enf-1')], loaded: loaded([fixTwo, settingsOf('enf-1')]) }]);
    await fire();
    expect((await runs())[0]).toMatchObject({ state: 'SKIPPED', message: 'Nothing to deploy: every worker of the target already has what it must have.' });

    expect((await gql(ENFORCE, { b: 'no-such-baseline', i: { cron: '*/5 * * * *', timezone: 'UTC' } })).enforceBaseline.code).toBe('NOT_FOUND');
    expect((await gql(ENFORCE, { b: 'enf-base', i: { cron: 'every now and then', timezone: 'UTC' } })).enforceBaseline.code).toBe('INVALID_SCHEDULE');
    const stopped = (await gql('mutation { stopEnforcingBaseline(baseline: "enf-base") { __typename ... on Schedule { id } } }')).stopEnforcingBaseline;
    expect(stopped.id).toBe(enforced.id);
    expect((await gql('{ baseline(id: "enf-base") { enforcement { id } } }')).baseline.enforcement).toBeNull();

    const reenforced = (await gql(ENFORCE, { b: 'enf-base', i: { cron: '*/5 * * * *', timezone: 'UTC' } })).enforceBaseline;
    expect((await gql('mutation { deleteBaseline(id: "enf-base") { __typename } }')).deleteBaseline.__typename).toBe('Removed');
    expect((await gql('query($id: ID!) { schedule(id: $id) { id } }', { id: reenforced.id })).schedule).toBeNull();
  });

  it('returns the same operation for the same idempotency key', async () => {
    await fleet('idem', { 'idem-1': [] });
    const first = await create({ target: { clusters: ['idem'] } }, 'deploy-idem');
    const again = await create({ target: { clusters: ['idem'] } }, 'deploy-idem');
    expect(again.id).toBe(first.id);
    expect(await create({ target: { clusters: ['idem'] }, deploy: { items: [items.extra] } }, 'deploy-idem')).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });
});
