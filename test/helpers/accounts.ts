import { expect } from 'vitest';
import { ok } from './gql.ts';
import type { TestServer } from './server.ts';

/** Creates a person with `role` and logs them in; returns their session token. */
export async function personToken(server: TestServer, username: string, role: 'VIEWER' | 'OPERATOR' | 'ADMIN'): Promise<string> {
  const password = `password-of-${username}`;
  const created = ok<any>(
    await server.gql(
      'mutation($u: String!, $r: Role!, $p: String!) { createUser(username: $u, role: $r, password: $p) { __typename } }',
      { u: username, r: role, p: password },
      server.adminToken,
    ),
  );
  expect(created.createUser.__typename).toBe('CreatedUser');
  const login = ok<any>(
    await server.gql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on Session { token } } }', { u: username, p: password }),
  );
  return login.login.token;
}
