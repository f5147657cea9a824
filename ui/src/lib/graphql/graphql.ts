import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/**
 * Typed GraphQL documents, checked against /schema.graphql. After the schema changes, run
 * `npm run generate -w ui` to refresh graphql-env.d.ts.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  disableMasking: true;
  scalars: {
    DateTime: string;
    Duration: string;
    SafeInt: number;
    JSONObject: Record<string, unknown>;
  };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
