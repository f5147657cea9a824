import { createHash } from 'node:crypto';
import type http from 'node:http';
import { pagePolicy, setSecurityHeaders } from './security-headers.ts';

interface Asset {
  body: string;
  type: string;
  etag: string;
}

export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

/**
 * GraphiQL from the OC itself: the page, its script and its styles are served by the OC (built
 * from @graphql-yoga/render-graphiql's bundle), so no other site can run code on the origin where
 * the dashboard keeps its token. Built on first use: the bundle is large.
 */
export function graphiqlServer(title: string) {
  let assets: Promise<Map<string, Asset>> | null = null;
  const policy = pagePolicy({ workers: 'blob:' });

  const build = async () => {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    const bundled = renderGraphiQL({ title, endpoint: '/graphql', subscriptionsProtocol: 'WS' });
    const style = /<style>([\s\S]*?)<\/style>/.exec(bundled)?.[1] ?? '';
    const bundle = /<script>([\s\S]*)<\/script>/.exec(bundled)?.[1] ?? '';
    // The bundle ends by rendering GraphiQL; start.js does that instead, with the dashboard's session.
    const script = bundle.slice(0, bundle.lastIndexOf('YogaGraphiQL.renderYogaGraphiQL('));
    const start = `(() => {
  // The dashboard keeps its session on this origin: GraphiQL uses it, so a signed-in person can explore the schema.
  let session = null;
  try { session = JSON.parse(localStorage.getItem('opscenter.session') ?? 'null'); } catch {}
  const headers = session?.token ? JSON.stringify({ authorization: 'Bearer ' + session.token }, null, 2) : undefined;
  YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${JSON.stringify({ title, endpoint: '/graphql', subscriptionsProtocol: 'WS' }).slice(0, -1)}, headers, shouldPersistHeaders: false });
})();
`;
    const asset = (body: string, type: string): Asset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="/favicon.svg" />
    <link rel="stylesheet" href="${GRAPHIQL_ASSETS_PATH}graphiql.css" />
    <script src="${GRAPHIQL_ASSETS_PATH}graphiql.js" defer></script>
    <script src="${GRAPHIQL_ASSETS_PATH}start.js" defer></script>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <!-- Introspection is for signed-in people: log in to the dashboard first, or set an Authorization header. -->
    <div id="root"></div>
  </body>
</html>
`;
    return new Map([
      ['page', asset(page, 'text/html; charset=utf-8')],
      [`${GRAPHIQL_ASSETS_PATH}graphiql.css`, asset(style, 'text/css; charset=utf-8')],
      [`${GRAPHIQL_ASSETS_PATH}graphiql.js`, asset(script, 'text/javascript; charset=utf-8')],
      [`${GRAPHIQL_ASSETS_PATH}start.js`, asset(start, 'text/javascript; charset=utf-8')],
    ]);
  };

  /** Answers with the page (`key` "page") or one of its assets; false when there is no such asset. */
  return async (key: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    assets ??= build();
    const asset = (await assets).get(key);
    if (!asset) return false;
    setSecurityHeaders(res, policy);
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { etag: asset.etag }).end();
      return true;
    }
    res.writeHead(200, { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache' }).end(asset.body);
    return true;
  };
}
