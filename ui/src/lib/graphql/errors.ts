import type { CombinedError } from '@urql/core';

/** The OC answers an invalid, expired or revoked token with this code (and HTTP 401). */
export function isUnauthenticated(error: CombinedError): boolean {
  return error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** A mutation's expected failure: every error type of a result union implements `Error`. */
export interface UnionError {
  __typename: string;
  code: string;
  message: string;
}

export function unionError<T extends { __typename: string }>(result: T | null | undefined): UnionError | null {
  return result && 'code' in result && 'message' in result ? (result as unknown as UnionError) : null;
}
