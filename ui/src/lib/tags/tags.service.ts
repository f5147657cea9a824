import type { Client } from '@urql/core';
import { unionError } from '$lib/graphql/errors';
import type { VariablesOf } from '$lib/graphql/graphql';
import { runMutation } from '$lib/graphql/request';
import { describeError } from '$lib/utils/handle-error';
import { AddTagsMutation, RemoveTagsMutation } from './tags.graphql';

export type TagChangeInput = VariablesOf<typeof AddTagsMutation>['input'];

/** Adds or removes tags; returns what went wrong in plain words, or null. */
export async function changeTags(client: Client, action: 'add' | 'remove', input: TagChangeInput): Promise<string | null> {
  try {
    const data =
      action === 'add'
        ? (await runMutation(client, AddTagsMutation, { input })).addTags
        : (await runMutation(client, RemoveTagsMutation, { input })).removeTags;
    return unionError(data)?.message ?? null;
  } catch (error) {
    return describeError(error, action === 'add' ? 'The tag could not be added.' : 'The tag could not be removed.');
  }
}
