// Validates every GraphQL document of the dashboard against /schema.graphql, so that a schema
// change that breaks the dashboard fails `npm run check` instead of a page at run time.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, validate } from 'graphql';
import { createServer } from 'vite';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const schema = buildSchema(readFileSync(path.join(root, '..', 'schema.graphql'), 'utf8'));
const files = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.graphql.ts'));

// Vite loads the modules so that `$lib` imports resolve as in the app.
const vite = await createServer({ root, logLevel: 'error', appType: 'custom', server: { middlewareMode: true }, optimizeDeps: { noDiscovery: true } });
let problems = 0;
let checked = 0;
try {
  for (const file of files) {
    const module = await vite.ssrLoadModule(path.join('/src', file));
    for (const [name, document] of Object.entries(module)) {
      // Fragments are checked within the operations that spread them.
      if (document?.kind !== 'Document' || !document.definitions.some((definition) => definition.kind === 'OperationDefinition')) continue;
      checked += 1;
      for (const error of validate(schema, document)) {
        problems += 1;
        console.error(`${file} ${name}: ${error.message}`);
      }
    }
  }
} finally {
  await vite.close();
}
console.log(`${checked} GraphQL documents checked against schema.graphql: ${problems ? `${problems} problem(s)` : 'all valid'}.`);
process.exitCode = problems ? 1 : 0;
