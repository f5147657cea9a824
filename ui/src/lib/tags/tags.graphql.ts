import { graphql } from '$lib/graphql/graphql';

export const TagsQuery = graphql(`
  query Tags {
    tags(first: 100) {
      nodes {
        tag
      }
    }
  }
`);

export const AddTagsMutation = graphql(`
  mutation AddTags($input: TagChangeInput!) {
    addTags(input: $input) {
      __typename
      ... on TagChange {
        tags
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

export const RemoveTagsMutation = graphql(`
  mutation RemoveTags($input: TagChangeInput!) {
    removeTags(input: $input) {
      __typename
      ... on TagChange {
        tags
      }
      ... on Error {
        code
        message
      }
    }
  }
`);
