/** The one createOperation request of the tests and benchmarks: `input` is an OperationInput, `key` an optional idempotency key. */
export const CREATE_OPERATION = `mutation($input: OperationInput!, $key: String) {
  createOperation(input: $input, idempotencyKey: $key) {
    __typename
    ... on Operation { id state stateReason }
    ... on Error { code message }
  }
}`;
