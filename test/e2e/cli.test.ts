import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LiveAgent, LiveOc } from '../helpers/live-fleet.ts';
import { type RunningProcess, runOpscenter } from '../helpers/process.ts';

const WORKERS = ['web-1', 'web-2', 'web-3'];

/** `opscenter op` as a script would run it: a real CLI process against a real OC, agent and workers. */
describe('opscenter op, with real agents and workers', () => {
  let oc: LiveOc;
  let agent: LiveAgent;
  let apiToken: string;
  const started: RunningProcess[] = [];

  /** Runs `opscenter op <args>` to its end; stdout is a pipe, so the CLI prints lines, not bars. */
  async function op(args: string[], env: Record<string, string | undefined> = {}) {
    const run = runOpscenter(['op', ...args], { OPSCENTER_URL: oc.url, OPSCENTER_TOKEN: apiToken, ...env });
    started.push(run);
    const { code } = await run.exited;
    return { code, output: run.output() };
  }

  const operationCount = async () => (await oc.query('{ operations(first: 1) { totalCount } }')).operations.totalCount as number;
  const pids = () => Object.fromEntries(WORKERS.map((name) => [name, agent.pid(name)]));

  beforeAll(async () => {
    oc = await LiveOc.start();
    await oc.createCluster('web');
    agent = await LiveAgent.create(oc, {
      cluster: 'web',
      workers: WORKERS.length,
      enrollmentToken: await oc.enrollmentToken('web'),
      workerArgs: () => ['--start-delay', '200ms'],
    });
    agent.start();
    await oc.eventually(
      () => oc.statuses('web'),
      (statuses) => Object.keys(statuses).length === WORKERS.length + 1 && Object.values(statuses).every((node) => node.status === 'UP'),
    );
    // Scripts use a personal API token, not a login session.
    const created = await oc.query(`mutation { createApiToken(name: "cli-test") { ... on CreatedApiToken { token } ... on Error { message } } }`);
    apiToken = created.createApiToken.token;
    expect(apiToken, JSON.stringify(created)).toBeTruthy();
  });
  afterEach(() => {
    for (const name of WORKERS) fs.rmSync(agent.failFile(name), { force: true });
    for (const run of started.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  afterAll(async () => {
    agent?.dispose();
    await oc?.dispose();
  });

  it('--dry-run prints the batches and the budget check, and starts nothing', async () => {
    const before = await operationCount();
    const { code, output } = await op(['rolling-restart', '--cluster', 'web', '--max-parallel', '1', '--dry-run']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/ROLLING_RESTART of 3 nodes in 3 batches/);
    for (const [index, name] of WORKERS.entries()) expect(output).toMatch(new RegExp(`batch ${index + 1}: ${name} \\(UP\\)`));
    expect(output).toMatch(/Budget checks:[\s\S]*web\s+3\s+1\s+0\s+ok/);
    expect(await operationCount()).toBe(before);
  });

  it('rolling-restart --cluster --max-parallel 1 follows the restart to SUCCEEDED, exits 0, and every worker is a new process', {
    timeout: 120_000,
  }, async () => {
    const before = pids();
    const { code, output } = await op(['rolling-restart', '--cluster', 'web', '--max-parallel', '1', '--min-healthy-time', '500ms']);
    expect(code, output).toBe(0);
    // Not a terminal: one line per transition, each worker seen through to SUCCEEDED.
    for (const name of WORKERS) expect(output).toMatch(new RegExp(`web/${name} \\(batch \\d\\) SUCCEEDED`));
    expect(output).toMatch(/^Operation \S+ SUCCEEDED: .*\(3\/3 done\)$/m);
    for (const name of WORKERS) expect(agent.pid(name), name).not.toBe(before[name]);
  });

  it('exits 1 and names the failed node when a worker never becomes healthy again; op restart --node brings it back', { timeout: 120_000 }, async () => {
    fs.writeFileSync(agent.failFile('web-2'), '');
    const before = pids();
    const failed = await op(['rolling-restart', '--cluster', 'web', '--max-parallel', '1', '--min-healthy-time', '500ms', '--healthy-deadline', '4s']);
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toMatch(/^Operation \S+ FAILED: /m);
    expect(failed.output).toMatch(/failed node web-2 \(cluster web, batch 2\): TIMED_OUT/);
    expect(agent.pid('web-3')).toBe(before['web-3']);

    fs.rmSync(agent.failFile('web-2'));
    const repaired = await op(['restart', '--node', 'web-2', '--min-healthy-time', '500ms']);
    expect(repaired.code, repaired.output).toBe(0);
    expect(repaired.output).toMatch(/RESTART of 1 node in 1 batch,/);
    expect((await oc.statuses('web'))['web-2'].status).toBe('UP');
  });

  it('list, show and cancel an operation started with --detach; watch exits 2 when it ends CANCELLED', { timeout: 120_000 }, async () => {
    const detached = await op(['rolling-restart', '--cluster', 'web', '--min-healthy-time', '10s', '--description', 'cli cancel test', '--detach']);
    expect(detached.code, detached.output).toBe(0);
    const id = detached.output.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await op(['list', '--kind', 'rolling-restart', '--first', '5']);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toMatch(/^ID\s+KIND\s+STATE\s+PROGRESS/);
    expect(listed.output).toMatch(new RegExp(`^${id}\\s+ROLLING_RESTART\\s+[A-Z_]+\\s+.*cli cancel test$`, 'm'));

    // While web-1 is restarted, web-2 waits for the budget: show prints the OC's answer, the engine's.
    const inFlight = await oc.eventually(
      () => oc.query(`query($id: ID!) { operation(id: $id) { stateReason budgets { ok unavailableNow reason } steps(first: 1) { nodes { state } } } }`, { id }),
      (value) => ['DISPATCHED', 'RESTARTED'].includes(value.operation.steps.nodes[0].state),
    );
    const waiting = 'web is at its disruption budget (1 of at most 1 unavailable: web-1 MAINTENANCE)';
    expect(inFlight.operation.budgets).toEqual([{ ok: false, unavailableNow: 1, reason: waiting }]);
    const during = await op(['show', id]);
    expect(during.output).toMatch(new RegExp(`^\\s+web\\s+3\\s+1\\s+1\\s+blocked: ${waiting.replace(/[()]/g, '\\$&')}`, 'm'));

    const cancelled = await op(['cancel', id]);
    expect(cancelled.code, cancelled.output).toBe(0);
    expect(cancelled.output).toMatch(new RegExp(`^Operation ${id} is \\w+: cancelled by`, 'm'));

    const watched = await op(['watch', id]);
    expect(watched.code, watched.output).toBe(2);
    expect(watched.output).toMatch(new RegExp(`^Operation ${id} CANCELLED`, 'm'));

    const shown = await op(['show', id]);
    expect(shown.code, shown.output).toBe(0);
    expect(shown.output).toMatch(/State:\s+CANCELLED/);
    expect(shown.output).toMatch(/BATCH\s+NODE\s+CLUSTER\s+STATE\s+DISPATCHED\s+TOOK\s+MESSAGE/);
    for (const name of WORKERS) expect(shown.output).toMatch(new RegExp(`^\\s+\\d\\s+${name}\\s+web\\s+(SUCCEEDED|CANCELLED)\\s`, 'm'));
    const json = JSON.parse((await op(['show', id, '--json'])).output);
    expect(json).toMatchObject({ id, state: 'CANCELLED', description: 'cli cancel test' });
    expect(json.steps.map((step: { nodeName: string }) => step.nodeName)).toEqual(WORKERS);

    const filtered = await op(['list', '--state', 'cancelled', '--json']);
    expect(JSON.parse(filtered.output).operations.map((operation: { id: string }) => operation.id)).toContain(id);

    const again = await op(['cancel', id]);
    expect(again.code).toBe(4);
    expect(again.output.trim()).toMatch(/^opscenter: .*CANCELLED\.?$/);
  });

  it('refuses a strategy that could never run with one clear line, and starts nothing', async () => {
    const before = await operationCount();
    const { code, output } = await op(['rolling-restart', '--cluster', 'web', '--max-unavailable', '10%']);
    expect(code).toBe(4);
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^opscenter: maxUnavailablePercent 10% rounds down to 0 nodes for web \(3 nodes\)/)]);
    expect(await operationCount()).toBe(before);
  });

  it('tells usage errors apart from refusals by exit code', async () => {
    const twoTargets = await op(['rolling-restart', '--cluster', 'web', '--all']);
    expect(twoTargets.code).toBe(3);
    expect(twoTargets.output.trim()).toBe('opscenter: give one target, not --all and --cluster');
    const badNumber = await op(['rolling-restart', '--cluster', 'web', '--max-parallel', 'two']);
    expect(badNumber.code).toBe(3);
    expect(badNumber.output).toMatch(/--max-parallel <n>' argument 'two' is invalid/);
    const unknownNode = await op(['restart', '--node', 'web-9']);
    expect(unknownNode.code).toBe(4);
    expect(unknownNode.output.trim()).toBe('opscenter: no node named "web-9"');
  });

  it('says clearly when the token is missing or not valid', async () => {
    const missing = await op(['list'], { OPSCENTER_TOKEN: undefined });
    expect(missing.code).toBe(4);
    expect(missing.output.trim()).toMatch(/^opscenter: no API token: pass --token or set OPSCENTER_TOKEN/);
    const invalid = await op(['list', '--token', 'oca_not-a-real-token']);
    expect(invalid.code).toBe(4);
    expect(invalid.output.trim()).toBe('opscenter: The token is invalid, expired or revoked; log in again or use another token.');
    const unreachable = await op(['list', '--url', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(5);
    expect(unreachable.output.trim()).toMatch(/^opscenter: cannot reach the OC at http:\/\/127\.0\.0\.1:9/);
  });
});
