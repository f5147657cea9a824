import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import { pagePolicy, setSecurityHeaders } from './security-headers.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The hashes of a page's inline scripts (SvelteKit's start-up script), for its Content-Security-Policy. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    hashes.push(`sha256-${createHash('sha256').update(match[1]).digest('base64')}`);
  }
  return hashes;
}

/**
 * Serves the built dashboard, answering unknown paths with index.html. It is set up again when
 * the build changes, so `npm run build:ui` needs no OC restart; null while there is no build.
 */
export function dashboardServer(uiDir: string): () => Handler | null {
  let current: { handler: Handler; builtAt: number } | null = null;
  return () => {
    const index = path.join(uiDir, 'index.html');
    if (!fs.existsSync(index)) return null;
    const builtAt = fs.statSync(index).mtimeMs;
    if (current?.builtAt !== builtAt) {
      const policy = pagePolicy({ scriptHashes: inlineScriptHashes(fs.readFileSync(index, 'utf8')) });
      const serve = sirv(uiDir, {
        single: true,
        etag: true,
        setHeaders: (res, pathname) => {
          if (pathname.startsWith('/_app/immutable/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        },
      });
      current = {
        builtAt,
        handler: (req, res) => {
          setSecurityHeaders(res, policy);
          serve(req, res);
        },
      };
    }
    return current.handler;
  };
}
