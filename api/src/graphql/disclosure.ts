import { type ExecutionResult, GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type Actor, personRole } from '../shared/actor.ts';

/** Whether the schema may be shown to this caller: people may explore it; agents and anonymous callers may not. */
export function mayExploreSchema(actor: Actor | undefined): boolean {
  return actor !== undefined && personRole(actor) !== null;
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function hideSuggestions(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map((error) => {
    const message = error.message.replace(SUGGESTION, '');
    return message === error.message ? error : new GraphQLError(message, { nodes: error.nodes, path: error.path, extensions: error.extensions });
  });
}

/**
 * Introspection and "did you mean" hints reveal the schema; only signed-in people get them.
 * The caller is known before validation: HTTP requests and sockets authenticate first.
 */
export function useSchemaDisclosure(): Plugin<{ actor?: Actor }> {
  return {
    onValidate: ({ context, addValidationRule }) => {
      if (mayExploreSchema(context.actor)) return;
      addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(hideSuggestions(result as readonly GraphQLError[]));
      };
    },
    onExecute: ({ args }) => {
      if (mayExploreSchema((args.contextValue as { actor?: Actor }).actor)) return;
      (args as { hideSuggestions?: boolean }).hideSuggestions = true;
      return {
        onExecuteDone: ({ result, setResult }) => {
          const single = result as ExecutionResult;
          if (single.errors?.length) setResult({ ...single, errors: hideSuggestions(single.errors) });
        },
      };
    },
  };
}
