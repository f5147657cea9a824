// Writes schema.graphql from the Pothos schema (sorted); with --check, fails if the file differs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.ts';

export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const printed = printedSchema();
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (committed !== printed) {
      console.error('schema.graphql is out of date with the Pothos schema; run "npm run schema".');
      process.exit(1);
    }
    console.log('schema.graphql is up to date.');
  } else {
    fs.writeFileSync(SCHEMA_FILE, printed);
    console.log(`Wrote ${SCHEMA_FILE}`);
  }
}
