import { map, pipe } from 'wonka';
import type { Feed } from '$lib/events/resumable-subscription';
import { type OperationProgressEvent, OperationProgressSubscription } from './operations.graphql';

/** The state changes of one operation and its steps (of every operation with `id` null), for `LiveEventStream.follow`. */
export function operationProgressFeed(id: string | null, receive: (event: OperationProgressEvent) => void): Feed<OperationProgressEvent> {
  return {
    open: (client, afterSequence) =>
      pipe(
        client.subscription(OperationProgressSubscription, { id, afterSequence }),
        map((result) => result.data?.operationProgress),
      ),
    isResync: (event) => event.__typename === 'OperationResyncRequired',
    receive,
  };
}
