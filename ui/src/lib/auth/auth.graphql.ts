import { graphql } from '$lib/graphql/graphql';

export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on Session {
        token
        expiresAt
        user {
          username
          role
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout {
      __typename
    }
  }
`);

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      name
      role
      actorType
    }
  }
`);
