/** A GraphQL response as the server sends it. */
export interface GqlResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }[];
  status: number;
}

export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const request = () =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
  // A kept-alive connection fails once when the server closed it just as it was reused (a server
  // the test restarted, or one idle past its keep-alive timeout on a slow machine): the request
  // never reached it, and a new connection works.
  const response = await request().catch((error: { cause?: { code?: string } }) => {
    if (error.cause?.code === 'UND_ERR_SOCKET' || error.cause?.code === 'ECONNRESET') return request();
    throw error;
  });
  const body = (await response.json()) as GqlResponse<T>;
  return { ...body, status: response.status };
}

/** Fails the test with the server's errors when a response has any. */
export function ok<T>(response: GqlResponse<T>): T {
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

/** Sends a request and returns its data, failing on any GraphQL error: for scripts and benchmarks. */
export async function call<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  return ok(await gql<T>(url, query, variables, token));
}
