import { CombinedError } from '@urql/core';
import { isUnauthenticated } from '$lib/graphql/errors';

const PLAIN_WORDS: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Log in again.',
  FORBIDDEN: 'Your role does not allow this. Ask an operator or an admin.',
  GRAPHQL_VALIDATION_FAILED: 'The dashboard sent a request this server does not understand; it may be a different version.',
  PAYLOAD_TOO_LARGE: 'The request was too large.',
};

const UNREACHABLE = 'The Operations Center cannot be reached. Check the connection and try again.';

function isConnectionProblem(error: unknown): boolean {
  return (error instanceof CombinedError && error.networkError !== undefined && error.graphQLErrors.length === 0) || error instanceof TypeError;
}

/**
 * Turns anything thrown while talking to the OC into one sentence for the person using the
 * dashboard. Unexpected errors are logged for developers and shown as `fallback`.
 */
export function describeError(error: unknown, fallback: string): string {
  if (error instanceof CombinedError) {
    if (isUnauthenticated(error)) return PLAIN_WORDS.UNAUTHENTICATED;
    const graphQLError = error.graphQLErrors[0];
    if (graphQLError) {
      const code = String(graphQLError.extensions?.code ?? '');
      if (PLAIN_WORDS[code]) return PLAIN_WORDS[code];
      // The OC masks unexpected failures as "Unexpected error."; its own messages are written for people.
      if (code && code !== 'INTERNAL_SERVER_ERROR') return graphQLError.message;
    }
  }
  if (isConnectionProblem(error)) return UNREACHABLE;
  console.error(error);
  return fallback;
}

/**
 * Like `describeError`, for a view's background (re)loading: connection problems give null,
 * because the connection banner already says so and the view keeps its last data.
 */
export function describeLoadError(error: unknown, fallback: string): string | null {
  return isConnectionProblem(error) ? null : describeError(error, fallback);
}
