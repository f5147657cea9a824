import { and, asc, eq, gt, max } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { gql, ok } from '../helpers/gql.ts';
import { collect, startTestServer, subscribed, type TestServer } from '../helpers/server.ts';

const LOGIN =
  'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on Session { token } ... on Error { code message } ... on RateLimitedError { retryAfter } } }';
const CREATE_TOKEN = `mutation($name: String!, $days: Int) {
  createApiToken(name: $name, expiresInDays: $days) { __typename ... on CreatedApiToken { token apiToken { id expiresAt } } ... on Error { code message } }
}`;

async function createUser(server: TestServer, name: string, role = 'OPERATOR') {
  const created = ok<any>(
    await server.gql(
      `mutation { createUser(username: "${name}", role: ${role}, password: "password-of-${name}") { ... on CreatedUser { user { id } } } }`,
      {},
      server.adminToken,
    ),
  );
  return created.createUser.user.id as string;
}

async function login(server: TestServer, name: string, password = `password-of-${name}`) {
  const result = ok<any>(await server.gql(LOGIN, { u: name, p: password })).login;
  if (result.__typename !== 'Session') throw new Error(`login failed: ${JSON.stringify(result)}`);
  return result.token as string;
}

const whoAmI = async (server: TestServer, token: string) => (await server.gql('{ viewer { name } }', {}, token)).status;

describe('what ends API tokens and sessions', () => {
  let server: TestServer;
  let expiring: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { apiTokenMaxLifetime: '30d' } });
  });
  afterAll(() => server.stop());

  it('creates API tokens from a login session only, each with an expiry within the maximum lifetime', async () => {
    await createUser(server, 'scripter');
    const session = await login(server, 'scripter');
    const created = ok<any>(await server.gql(CREATE_TOKEN, { name: 'ci' }, session)).createApiToken;
    expect(created.__typename).toBe('CreatedApiToken');
    expect(new Date(created.apiToken.expiresAt).getTime() - server.clock.now().getTime()).toBe(30 * 86_400_000);
    const child = ok<any>(await server.gql(CREATE_TOKEN, { name: 'child' }, created.token)).createApiToken;
    expect(child).toMatchObject({ __typename: 'CredentialError', code: 'SESSION_REQUIRED' });
    const tooLong = ok<any>(await server.gql(CREATE_TOKEN, { name: 'forever', days: 31 }, session)).createApiToken;
    expect(tooLong).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_ARGUMENT', message: expect.stringMatching(/from 1 to 30/) });
    expect(await whoAmI(server, created.token)).toBe(200);
    expiring = created.token;
  });

  it('revokes a user’s tokens and sessions when the account is disabled, and enabling it brings none back', async () => {
    const id = await createUser(server, 'leaver');
    const session = await login(server, 'leaver');
    const created = ok<any>(await server.gql(CREATE_TOKEN, { name: 'ci' }, session)).createApiToken;
    const token = created.token;
    const socket = await subscribed(server, () => collect(server.wsClient(token), 'subscription { topologyEvents { __typename } }'));
    ok(await server.gql(`mutation { setUserDisabled(id: "${id}", disabled: true) { __typename } }`, {}, server.adminToken));
    await expect(socket.waitFor(1)).rejects.toThrow();
    ok(await server.gql(`mutation { setUserDisabled(id: "${id}", disabled: false) { __typename } }`, {}, server.adminToken));
    expect(await whoAmI(server, token)).toBe(401);
    expect(await whoAmI(server, session)).toBe(401);
    const tokens = ok<any>(await server.gql('{ apiTokens(first: 10, all: true) { nodes { id revokedAt } } }', {}, server.adminToken)).apiTokens.nodes;
    expect(tokens.find((row: any) => row.id === created.apiToken.id).revokedAt).not.toBeNull();
  });

  it('ends every session and API token of a user whose password an admin resets', async () => {
    await createUser(server, 'forgetful');
    const session = await login(server, 'forgetful');
    const token = ok<any>(await server.gql(CREATE_TOKEN, { name: 'ci' }, session)).createApiToken.token;
    ok(await server.gql('mutation { resetUserPassword(username: "forgetful") { __typename } }', {}, server.adminToken));
    expect(await whoAmI(server, session)).toBe(401);
    expect(await whoAmI(server, token)).toBe(401);
  });

  it('ends the other sessions of a user who changes their password, keeping this one and their API tokens', async () => {
    await createUser(server, 'careful');
    const laptop = await login(server, 'careful');
    const phone = await login(server, 'careful');
    const token = ok<any>(await server.gql(CREATE_TOKEN, { name: 'ci' }, laptop)).createApiToken.token;
    const phoneSocket = await subscribed(server, () => collect(server.wsClient(phone), 'subscription { topologyEvents { __typename } }'));
    const laptopSocket = await subscribed(server, () => collect(server.wsClient(laptop), 'subscription { topologyEvents { __typename } }'));
    const changed = ok<any>(
      await server.gql('mutation { changePassword(currentPassword: "password-of-careful", newPassword: "a-new-long-password") { __typename } }', {}, laptop),
    );
    expect(changed.changePassword.__typename).toBe('User');
    await expect(phoneSocket.waitFor(1)).rejects.toThrow();
    expect(laptopSocket.completed).toBe(false);
    expect(laptopSocket.errors).toEqual([]);
    expect(await whoAmI(server, phone)).toBe(401);
    expect(await whoAmI(server, laptop)).toBe(200);
    expect(await whoAmI(server, token)).toBe(200);
  });

  it('stops an API token at its expiry', async () => {
    expect(await whoAmI(server, expiring)).toBe(200);
    server.clock.advance(30 * 86_400_000);
    expect(await whoAmI(server, expiring)).toBe(401);
  });
});

describe('throttled logins and calls without credentials', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { anonymousMutationsPerMinute: '30' } });
    await createUser(server, 'victim');
  });
  afterAll(() => server.stop());

  const newAudit = async (run: () => Promise<unknown>) => {
    const [{ last }] = await server.database.db.select({ last: max(auditLog.id) }).from(auditLog);
    await run();
    return server.database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, last ?? 0))
      .orderBy(asc(auditLog.id));
  };

  it('locks a user name after 10 wrong passwords, so the right one is refused too, and audits the lock', async () => {
    const rows = await newAudit(async () => {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        expect(ok<any>(await server.gql(LOGIN, { u: 'victim', p: `wrong-password-${attempt}` })).login.code).toBe('LOGIN_FAILED');
      }
      const locked = ok<any>(await server.gql(LOGIN, { u: 'victim', p: 'password-of-victim' })).login;
      expect(locked).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED', retryAfter: 60 });
      const otherCase = ok<any>(await server.gql(LOGIN, { u: 'VICTIM', p: 'password-of-victim' })).login;
      expect(otherCase.__typename).toBe('RateLimitedError');
    });
    const lockouts = rows.filter((row) => row.action === 'login.lockout');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ result: 'DENIED', errorCode: 'RATE_LIMITED', args: { username: 'victim', lockouts: 1, seconds: 60 } });
    expect(rows.filter((row) => row.action === 'login' && row.errorCode === 'RATE_LIMITED')).toHaveLength(2);
    // Other users are not locked out by it.
    expect(ok<any>(await server.gql(LOGIN, { u: 'admin', p: 'admin-password-for-tests' })).login.__typename).toBe('Session');
  });

  it.runIf(process.env.TEST_DATABASE_URL)('shares locks between OCs on one PostgreSQL server', async () => {
    const replica = await startTestServer({ database: { ...server.database, close: async () => {} }, clock: server.clock });
    try {
      const refused = ok<any>(await replica.gql(LOGIN, { u: 'victim', p: 'password-of-victim' })).login;
      expect(refused.__typename).toBe('RateLimitedError');
    } finally {
      await replica.stop();
    }
  });

  it('allows one login or registerManager field per request, however it is aliased', async () => {
    const aliased = Array.from({ length: 20 }, (_, index) => `a${index}: login(username: "admin", password: "guess-${index}") { __typename }`).join(' ');
    const result = await server.gql(`mutation { ${aliased} }`);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]).toMatchObject({ message: 'Call login at most once per request.', extensions: { code: 'TOO_MANY_ATTEMPTS' } });
    const mixed = await server.gql(
      'mutation { a: registerManager(input: { enrollmentToken: "oce_x", cluster: "c", manager: { name: "m" } }) { __typename } b: registerManager(input: { enrollmentToken: "oce_y", cluster: "c", manager: { name: "m" } }) { __typename } }',
    );
    expect(mixed.errors?.[0].extensions?.code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('records where each audited call came from', async () => {
    const [row] = await server.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'login'), eq(auditLog.actorName, 'anonymous')))
      .orderBy(asc(auditLog.id))
      .limit(1);
    expect(row.sourceAddress).toMatch(/127\.0\.0\.1/);
  });
});

describe('calls without credentials', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { anonymousMutationsPerMinute: '30' } });
  });
  afterAll(() => server.stop());

  const newAudit = async (run: () => Promise<unknown>) => {
    const [{ last }] = await server.database.db.select({ last: max(auditLog.id) }).from(auditLog);
    await run();
    return server.database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, last ?? 0))
      .orderBy(asc(auditLog.id));
  };

  it('refuses calls without credentials past the per-address limit with 429, writing one audit row for the lock', async () => {
    const denials = Array.from({ length: 10 }, (_, index) => `d${index}: deleteCluster(id: "00000000-0000-4000-8000-00000000000${index}") { __typename }`).join(
      ' ',
    );
    const rows = await newAudit(async () => {
      const statuses: number[] = [];
      for (let request = 0; request < 8; request += 1) statuses.push((await gql(server.url, `mutation { ${denials} }`)).status);
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429, 429, 429, 429]);
      const refused = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `mutation { ${denials} }` }),
      });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await refused.json()) as any;
      expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    });
    expect(rows.filter((row) => row.action === 'cluster.delete').length).toBeLessThanOrEqual(30);
    expect(rows.filter((row) => row.action === 'throttle.anonymous')).toHaveLength(1);
    // People with credentials are not counted.
    expect(ok<any>(await server.gql(`mutation { ${denials} }`, {}, server.adminToken)).d0.__typename).toBe('NotFoundError');
  });
});
