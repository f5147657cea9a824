import type { TestServer } from './server.ts';

/** POSTs a file to the OC's content API as the CLI and dashboard do; answers the status and the JSON body. */
export async function uploadContent(
  server: TestServer,
  query: Record<string, string>,
  body: BodyInit | null,
  token: string | null,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}/api/content?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as any };
}
