import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { personToken } from '../helpers/accounts.ts';
import { enrollManager, type ScriptedManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { CREATE_OPERATION } from '../helpers/operations.ts';
import { ScriptedAgent } from '../helpers/scripted-agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ERROR = '__typename ... on Error { code message } ... on ValidationError { field }';
const ADD = `mutation($input: StatusComponentInput!) { addStatusComponent(input: $input) { ${ERROR} ... on StatusComponent { id name position state } } }`;
const UPDATE = `mutation($id: ID!, $input: StatusComponentInput!) { updateStatusComponent(id: $id, input: $input) { ${ERROR} ... on StatusComponent { id name } } }`;
const PUBLISH = `mutation($input: StatusIncidentInput!) { publishStatusIncident(input: $input) { ${ERROR} ... on StatusIncident { id state updates { state message author } } } }`;
const POST = `mutation($id: ID!, $state: StatusIncidentState!, $message: String!) { postStatusIncidentUpdate(id: $id, state: $state, message: $message) { ${ERROR} ... on StatusIncident { id state resolvedAt updates { state } } } }`;
const RESOLVE = `mutation($id: ID!, $message: String!) { resolveStatusIncident(id: $id, message: $message) { ${ERROR} ... on StatusIncident { id state resolvedAt } } }`;
const SETTINGS = `mutation($title: String!, $description: String) { setStatusPageSettings(title: $title, description: $description) { ${ERROR} ... on StatusPage { title description } } }`;
const PAGE = `{ statusPage { title description path components { id name position target state underMaintenance } incidents { id title state componentIds alertId updates { state message } } } }`;

/** Internal names a public page must never show. */
const INTERNAL = [
  'secret-cluster-a',
  'secret-cluster-b',
  'hidden-node-1',
  'hidden-node-2',
  'hidden-node-3',
  'payments-tier',
  'dc-internal-7',
  '10.0.0.1',
  ':8080',
  'admin',
];

describe('the public status page', () => {
  let server: TestServer;
  let agent: ScriptedAgent;
  let managerB: ScriptedManager;
  let operatorToken: string;
  const ids: string[] = [];
  const componentIds: Record<string, string> = {};
  const incidentIds: Record<string, string> = {};

  const admin = <T = any>(query: string, variables: Record<string, unknown> = {}) => server.gql<T>(query, variables, server.adminToken);
  /** Moves the clock to a wall time (forward only). */
  const at = (iso: string) => server.clock.advance(new Date(iso).getTime() - server.clock.now().getTime());
  const beatA = async (seconds: number) => {
    for (let elapsed = 0; elapsed < seconds; elapsed += 5) {
      server.clock.advance(5000);
      await agent.beat();
    }
  };
  const get = (headers: Record<string, string> = {}, path = '/status') => fetch(`${server.url}${path}`, { headers });

  beforeAll(async () => {
    // The page covers days: sessions must outlive the clock's jumps.
    server = await startTestServer({ config: { operationsTick: '1h', sessionTtl: '30d' } });
    operatorToken = await personToken(server, 'operator', 'OPERATOR');
    await server.tick(30_000);
    const managerA = await enrollManager(server, 'secret-cluster-a', { tags: ['dc-internal-7'], workers: ['hidden-node-1', 'hidden-node-2'] });
    managerB = await enrollManager(server, 'secret-cluster-b', { tags: ['payments-tier'], workers: ['hidden-node-3'] });
    ids.push(managerA.clusterId, managerB.clusterId, managerA.managerNodeId, managerB.managerNodeId);
    agent = new ScriptedAgent(server, managerA, ['hidden-node-1', 'hidden-node-2']);
    await agent.beat();
    await managerB.beat([{ name: 'hidden-node-3', state: 'HEALTHY' }]);
    const nodes = ok<any>(await admin('{ nodes(first: 10) { nodes { id name } } }')).nodes.nodes;
    ids.push(...nodes.map((node: { id: string }) => node.id));

    // 2 January: hidden-node-1 crashes for an hour (unplanned).
    at('2026-01-02T12:00:00Z');
    agent.states.set('hidden-node-1', 'STOPPED');
    await beatA(20);
    at('2026-01-02T13:00:00Z');
    agent.states.set('hidden-node-1', 'HEALTHY');
    await agent.beat();

    // 3 January: a planned restart of hidden-node-2 (maintenance, which must not count against uptime).
    at('2026-01-03T09:00:00Z');
    await agent.beat();
    const node2 = nodes.find((node: { name: string }) => node.name === 'hidden-node-2');
    const operation = ok<any>(
      await admin(CREATE_OPERATION, { input: { kind: 'RESTART', target: { nodes: [node2.id] }, strategy: { minHealthyTime: '1m' } } }),
    ).createOperation;
    await server.app.services.engine.tick();
    const [command] = await agent.received(1);
    await agent.restart(command);
    await server.app.services.engine.tick();
    await beatA(180);
    await server.app.services.engine.tick();
    expect(ok<any>(await admin(`query($id: ID!) { operation(id: $id) { state } }`, { id: operation.id })).operation.state).toBe('SUCCEEDED');
  });
  afterAll(() => server.stop());

  it('refuses bad components with typed errors and changes nothing', async () => {
    const refusals: [Record<string, unknown>, string, string?][] = [
      [{ name: '', target: { clusters: ['secret-cluster-a'] } }, 'INVALID_NAME', 'name'],
      [{ name: '   ', target: { clusters: ['secret-cluster-a'] } }, 'INVALID_NAME', 'name'],
      [{ name: 'x'.repeat(61), target: { clusters: ['secret-cluster-a'] } }, 'INVALID_NAME', 'name'],
      [{ name: 'Web\nshop', target: { clusters: ['secret-cluster-a'] } }, 'INVALID_NAME', 'name'],
      [{ name: 'Web shop', target: { clusters: ['no-such-cluster'] } }, 'INVALID_TARGET', 'target'],
      [{ name: 'Web shop', target: { tags: { tags: ['no-such-tag'] } } }, 'INVALID_TARGET', 'target'],
      [{ name: 'Web shop', target: { all: true } }, 'INVALID_TARGET', 'target'],
      [{ name: 'Web shop', target: { nodes: [ids[2]] } }, 'INVALID_TARGET', 'target'],
      [{ name: 'Web shop', target: {} }, 'INVALID_TARGET', 'target'],
    ];
    for (const [input, code, field] of refusals) {
      const result = ok<any>(await admin(ADD, { input })).addStatusComponent;
      expect(result, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', code, field });
    }
    expect(ok<any>(await admin(PAGE)).statusPage.components).toEqual([]);
    const audit = ok<any>(await admin('{ auditLog(first: 20) { nodes { action result } } }')).auditLog.nodes;
    expect(audit.filter((row: any) => row.action === 'statusComponent.add')).toHaveLength(refusals.length);
    expect(audit.filter((row: any) => row.action === 'statusComponent.add').every((row: any) => row.result === 'FAILED')).toBe(true);
  });

  it('lets only admins set the page up', async () => {
    const refused = ok<any>(
      await server.gql(ADD, { input: { name: 'Web shop', target: { clusters: ['secret-cluster-a'] } } }, operatorToken),
    ).addStatusComponent;
    expect(refused).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect((await server.gql(PAGE, {}, operatorToken)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(PAGE)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('adds, renames, reorders and removes components', async () => {
    const web = ok<any>(await admin(ADD, { input: { name: 'Web shop', target: { clusters: ['secret-cluster-a'] } } })).addStatusComponent;
    expect(web).toMatchObject({ __typename: 'StatusComponent', name: 'Web shop', position: 1, state: 'OPERATIONAL' });
    const pay = ok<any>(await admin(ADD, { input: { name: 'Pay', target: { tags: { tags: ['payments-tier'] } } } })).addStatusComponent;
    const extra = ok<any>(await admin(ADD, { input: { name: 'Extra', target: { tags: { tags: ['role:worker'] } } } })).addStatusComponent;
    componentIds.web = web.id;
    componentIds.pay = pay.id;
    expect(ok<any>(await admin(ADD, { input: { name: 'Pay', target: { clusters: ['secret-cluster-b'] } } })).addStatusComponent).toMatchObject({
      __typename: 'ConflictError',
      code: 'NAME_TAKEN',
    });
    expect(
      ok<any>(await admin(UPDATE, { id: pay.id, input: { name: 'Web shop', target: { tags: { tags: ['payments-tier'] } } } })).updateStatusComponent,
    ).toMatchObject({
      code: 'NAME_TAKEN',
    });
    expect(
      ok<any>(await admin(UPDATE, { id: pay.id, input: { name: 'Payments', target: { tags: { tags: ['payments-tier'] } } } })).updateStatusComponent,
    ).toMatchObject({
      name: 'Payments',
    });
    const reorder = `mutation($ids: [ID!]!) { reorderStatusComponents(ids: $ids) { ${ERROR} ... on StatusPage { components { name position } } } }`;
    expect(ok<any>(await admin(reorder, { ids: [pay.id, web.id] })).reorderStatusComponents).toMatchObject({ __typename: 'ValidationError', field: 'ids' });
    expect(ok<any>(await admin(reorder, { ids: [extra.id, pay.id, web.id] })).reorderStatusComponents.components.map((c: any) => c.name)).toEqual([
      'Extra',
      'Payments',
      'Web shop',
    ]);
    expect(
      ok<any>(await admin(`mutation($id: ID!) { removeStatusComponent(id: $id) { ${ERROR} ... on Removed { name } } }`, { id: extra.id }))
        .removeStatusComponent,
    ).toEqual({
      __typename: 'Removed',
      name: 'Extra',
    });
    ok(await admin(reorder, { ids: [web.id, pay.id] }));
    const page = ok<any>(await admin(PAGE)).statusPage;
    expect(page.components.map((c: any) => [c.name, c.position])).toEqual([
      ['Web shop', 1],
      ['Payments', 2],
    ]);
    expect(page.components[1].target).toEqual({ kind: 'TAGS', tags: ['payments-tier'], match: 'ALL' });
    ids.push(web.id, pay.id);
  });

  it('publishes incidents with updates, and refuses bad ones', async () => {
    at('2026-01-03T12:00:00Z');
    expect(
      ok<any>(await admin(PUBLISH, { input: { title: 'Checkout errors', message: 'x', componentIds: ['00000000-0000-4000-8000-000000000000'] } }))
        .publishStatusIncident,
    ).toMatchObject({ __typename: 'NotFoundError' });
    expect(
      ok<any>(await admin(PUBLISH, { input: { title: 'Checkout errors', message: 'x', state: 'RESOLVED', componentIds: [] } })).publishStatusIncident,
    ).toMatchObject({ __typename: 'ValidationError', field: 'state' });
    expect(ok<any>(await admin(PUBLISH, { input: { title: '', message: 'x', componentIds: [] } })).publishStatusIncident).toMatchObject({
      __typename: 'ValidationError',
      field: 'title',
    });
    const checkout = ok<any>(
      await admin(PUBLISH, { input: { title: 'Checkout <errors>', message: 'We are looking into failed orders.', componentIds: [componentIds.web] } }),
    ).publishStatusIncident;
    expect(checkout).toMatchObject({ state: 'INVESTIGATING', updates: [{ state: 'INVESTIGATING', author: 'admin' }] });
    incidentIds.checkout = checkout.id;
    at('2026-01-03T12:30:00Z');
    expect(ok<any>(await admin(POST, { id: checkout.id, state: 'IDENTIFIED', message: 'A bad deploy was found.' })).postStatusIncidentUpdate).toMatchObject({
      state: 'IDENTIFIED',
      resolvedAt: null,
    });
    at('2026-01-03T13:00:00Z');
    expect(ok<any>(await admin(RESOLVE, { id: checkout.id, message: 'Fixed; orders go through again.' })).resolveStatusIncident).toMatchObject({
      state: 'RESOLVED',
      resolvedAt: '2026-01-03T13:00:00.000Z',
    });
    expect(ok<any>(await admin(POST, { id: checkout.id, state: 'MONITORING', message: 'again' })).postStatusIncidentUpdate).toMatchObject({
      __typename: 'ConflictError',
      code: 'INVALID_STATE',
    });
    // Today: hidden-node-3 goes down; an incident is open for it.
    at('2026-01-04T10:00:00Z');
    await managerB.beat([{ name: 'hidden-node-3', state: 'STOPPED' }]);
    for (let beat = 0; beat < 4; beat += 1) {
      server.clock.advance(5000);
      await managerB.beat([{ name: 'hidden-node-3', state: 'STOPPED' }]);
    }
    const outage = ok<any>(
      await admin(PUBLISH, {
        input: { title: 'Payments outage', message: 'Payments fail.\nWe are on it.', state: 'IDENTIFIED', componentIds: [componentIds.pay] },
      }),
    ).publishStatusIncident;
    incidentIds.outage = outage.id;
    ids.push(checkout.id, outage.id);
    const page = ok<any>(await admin(PAGE)).statusPage;
    expect(page.incidents.map((incident: any) => [incident.title, incident.state, incident.updates.length, incident.alertId])).toEqual([
      ['Payments outage', 'IDENTIFIED', 1, null],
      ['Checkout <errors>', 'RESOLVED', 3, null],
    ]);
    expect(page.components.map((c: any) => c.state)).toEqual(['OPERATIONAL', 'MAJOR_OUTAGE']);
  });

  it('serves /status without a login: public names, states, 90 daily bars, incidents, and nothing internal', async () => {
    at('2026-01-04T10:01:00Z');
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'sha256-/);
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<title>System status</title>');
    const components = html.split('<li class="component"').slice(1);
    expect(components).toHaveLength(2);
    const [web, pay] = components;
    expect(web).toContain('<h3>Web shop</h3>');
    expect(web).toContain('data-state="OPERATIONAL"');
    expect(web).toContain('>Operational<');
    expect(pay).toContain('<h3>Payments</h3>');
    expect(pay).toContain('>Major outage<');
    expect(html).toContain('<p class="banner MAJOR_OUTAGE">Major outage</p>');
    for (const component of components) {
      const bars = [...component.matchAll(/<li class="bar ?([a-z]*)" title="([0-9-]+): ([^"]+)"><\/li>/g)].map(([, level, day, text]) => ({
        level,
        day,
        text,
      }));
      expect(bars).toHaveLength(90);
      expect(bars[0].day).toBe('2025-10-07');
      expect(bars[89].day).toBe('2026-01-04');
      expect(bars[0]).toEqual({ level: '', day: '2025-10-07', text: 'no data' });
    }
    const webBars = Object.fromEntries(
      [...web.matchAll(/<li class="bar ?([a-z]*)" title="([0-9-]+): ([^"]+)">/g)].map(([, level, day, text]) => [day, [level, text]]),
    );
    expect(webBars['2026-01-01']).toEqual(['ok', '100.00% available']);
    // An hour of one node of three down: 98.6 %.
    expect(webBars['2026-01-02'][0]).toBe('major');
    expect(webBars['2026-01-02'][1]).toMatch(/^98\.6\d% available$/);
    // The planned restart does not count against it.
    expect(webBars['2026-01-03']).toEqual(['ok', '100.00% available']);
    expect(webBars['2026-01-04']).toEqual(['ok', '100.00% available']);
    const payBars = Object.fromEntries(
      [...pay.matchAll(/<li class="bar ?([a-z]*)" title="([0-9-]+): ([^"]+)">/g)].map(([, level, day, text]) => [day, [level, text]]),
    );
    expect(payBars['2026-01-03']).toEqual(['ok', '100.00% available']);
    // 45 s of one node of two down since midnight: below 100 %, above 99 %.
    expect(payBars['2026-01-04'][0]).toBe('minor');
    expect(payBars['2026-01-04'][1]).toMatch(/^99\.\d\d% available$/);
    // Incidents: the open one first, then the resolved one with its three updates, escaped.
    const incidents = html.split('<article class="incident"').slice(1);
    expect(incidents).toHaveLength(2);
    expect(incidents[0]).toContain('Payments outage');
    expect(incidents[0]).toContain('Affects Payments');
    expect(incidents[0]).toContain('Payments fail.\nWe are on it.');
    expect(incidents[1]).toContain('Checkout &lt;errors&gt;');
    expect(incidents[1]).toContain('Affects Web shop');
    expect(incidents[1]).toContain('resolved <time datetime="2026-01-03T13:00:00.000Z">2026-01-03 13:00 UTC</time>');
    expect([...incidents[1].matchAll(/<span class="what">(\w+)<\/span>/g)].map(([, what]) => what)).toEqual(['Resolved', 'Identified', 'Investigating']);
    for (const secret of [...INTERNAL, ...ids]) expect(html, secret).not.toContain(secret);
  });

  it('is cacheable: Cache-Control, an ETag, 304 on If-None-Match, HEAD, and no other method', async () => {
    const first = await get();
    expect(first.headers.get('cache-control')).toBe('public, max-age=30');
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const notModified = await get({ 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    expect(notModified.headers.get('etag')).toBe(etag);
    expect((await get({ 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get({ 'if-none-match': '"other"' })).status).toBe(200);
    // A query string or credentials change nothing: everybody gets the one rendering.
    expect((await get({ authorization: `Bearer ${server.adminToken}` }, '/status?nocache=1')).headers.get('etag')).toBe(etag);
    const head = await fetch(`${server.url}/status`, { method: 'HEAD' });
    expect([head.status, head.headers.get('etag')]).toEqual([200, etag]);
    const post = await fetch(`${server.url}/status`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('renders once for many requests, and again at once after an admin change', async () => {
    const render = vi.spyOn(server.app.services.statusPage, 'publicPage');
    try {
      server.clock.advance(60_000);
      const responses = await Promise.all(Array.from({ length: 20 }, () => get()));
      expect(new Set(responses.map((response) => response.headers.get('etag'))).size).toBe(1);
      await Promise.all(responses.map((response) => response.text()));
      expect(render).toHaveBeenCalledTimes(1);
      for (let index = 0; index < 5; index += 1) await (await get()).text();
      expect(render).toHaveBeenCalledTimes(1);
      const before = responses[0].headers.get('etag');
      const settings = ok<any>(await admin(SETTINGS, { title: 'Acme <status> & "more"', description: 'Our services.' })).setStatusPageSettings;
      expect(settings).toEqual({ __typename: 'StatusPage', title: 'Acme <status> & "more"', description: 'Our services.' });
      const after = await get({ 'if-none-match': before as string });
      expect(after.status).toBe(200);
      const html = await after.text();
      expect(html).toContain('<h1>Acme &lt;status&gt; &amp; &quot;more&quot;</h1>');
      expect(html).toContain('<p class="lead">Our services.</p>');
      expect(render).toHaveBeenCalledTimes(2);
    } finally {
      render.mockRestore();
    }
    expect(ok<any>(await admin(SETTINGS, { title: '' })).setStatusPageSettings).toMatchObject({ __typename: 'ValidationError', field: 'title' });
  });

  it('shows resolved incidents for 14 days, open ones until they are resolved', async () => {
    at('2026-01-17T13:00:01Z');
    const html = await (await get()).text();
    expect(html).toContain('Payments outage');
    expect(html).not.toContain('Checkout');
    const page = ok<any>(await admin(PAGE)).statusPage;
    expect(page.incidents.map((incident: any) => incident.title)).toEqual(['Payments outage']);
  });
});
