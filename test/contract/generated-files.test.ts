import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { COMMANDS_SUBSCRIPTION } from '../../agent/src/api-client.ts';
import { printedSchema, SCHEMA_FILE } from '../../api/scripts/print-schema.ts';
import { schema } from '../../api/src/graphql/schema.ts';
import drizzleConfig from '../../drizzle.config.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('generated files', () => {
  it('schema.graphql is the printed Pothos schema (run "npm run schema" if this fails)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('has every GraphQL example of the README valid against the schema', () => {
    const examples = [...fs.readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(examples.length).toBeGreaterThan(3);
    const invalid = examples.flatMap((example) =>
      validate(schema, parse(example.replaceAll('"…"', '"example"'))).map((error) => `${error.message}\n${example}`),
    );
    expect(invalid).toEqual([]);
  });

  it('has the agent’s command subscription valid against the schema (an invalid one leaves every manager without commands)', () => {
    expect(validate(schema, parse(COMMANDS_SUBSCRIPTION)).map((error) => error.message)).toEqual([]);
  });

  it('describes every public type, field, argument and enum value', () => {
    const missing: string[] = [];
    const types = Object.values(schema.getTypeMap()).filter(
      (type: GraphQLNamedType) => !type.name.startsWith('__') && !(isScalarType(type) && isSpecifiedScalarType(type)),
    );
    for (const type of types) {
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('drizzle/ holds a migration for every change to the tables (run "npm run db:generate" if this fails)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-drizzle-'));
    fs.cpSync(path.join(root, 'drizzle'), out, { recursive: true });
    const config = path.join(out, 'drizzle.config.ts');
    fs.writeFileSync(
      config,
      `export default { dialect: 'postgresql', schema: ${JSON.stringify([drizzleConfig.schema ?? []].flat().map((file) => path.join(root, file)))}, out: ${JSON.stringify(out)} };\n`,
    );
    const before = fs.readdirSync(out).sort();
    const output = execFileSync(path.join(root, 'node_modules/.bin/drizzle-kit'), ['generate', '--config', config], {
      cwd: root,
      encoding: 'utf8',
    });
    const after = fs.readdirSync(out).sort();
    expect(after, output).toEqual(before);
    fs.rmSync(out, { recursive: true, force: true });
  });
});

describe('the dashboard and the schema', () => {
  it('has every GraphQL document of the dashboard valid against schema.graphql', () => {
    const output = execFileSync(process.execPath, [path.join(root, 'ui/scripts/check-documents.js')], { cwd: path.join(root, 'ui'), encoding: 'utf8' });
    expect(output).toMatch(/documents checked against schema.graphql: all valid/);
  });

  it('has its generated GraphQL types in step with schema.graphql (run "npm run schema" if this fails)', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oc-tada-')), 'graphql-env.d.ts');
    execFileSync(path.join(root, 'node_modules/.bin/gql.tada'), ['generate', 'output', '--output', out], { cwd: path.join(root, 'ui'), encoding: 'utf8' });
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(root, 'ui/src/lib/graphql/graphql-env.d.ts'), 'utf8'));
  });
});
