import { createSourceEventStream, type DocumentNode, type ExecutionArgs, type ExecutionResult, execute, print } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Context } from './context.ts';

/**
 * Every subscriber of a topic receives the same event object. Executing the same document with
 * the same variables for callers of the same kind over that object gives the same result, so it
 * is executed once per event and cohort instead of once per subscriber (perf.md, G7): fan-out cost
 * then grows with the number of distinct subscriptions, not subscribers.
 */
export function useSharedSubscriptionResults(): Plugin<Context> {
  const results = new WeakMap<object, Map<string, ExecutionResult | Promise<ExecutionResult>>>();
  const printed = new WeakMap<DocumentNode, string>();

  const subscribe = async (args: ExecutionArgs) => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    let document = printed.get(args.document);
    if (!document) {
      document = print(args.document);
      printed.set(args.document, document);
    }
    const context = args.contextValue as Context;
    const cohort = [document, args.operationName ?? '', JSON.stringify(args.variableValues ?? {}), context.meta.actor.type, context.role ?? ''].join('\n');
    return mapAsyncIterator(stream, (event: unknown) => {
      if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
      let byCohort = results.get(event);
      if (!byCohort) {
        byCohort = new Map();
        results.set(event, byCohort);
      }
      let result = byCohort.get(cohort);
      if (!result) {
        result = execute({ ...args, rootValue: event }) as ExecutionResult | Promise<ExecutionResult>;
        byCohort.set(cohort, result);
      }
      return result;
    });
  };

  return { onSubscribe: ({ setSubscribeFn }) => setSubscribeFn(subscribe as never) };
}
