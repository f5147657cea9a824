import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { actorName } from '../../shared/actor.ts';
import { checkPage, pageInMemory } from '../../shared/pagination.ts';
import type { ApiTokenRow, UserRow } from './accounts.table.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'What a person may do. Each role includes the ones before it.',
  values: {
    VIEWER: { description: 'Read everything (except the audit log and accounts).' },
    OPERATOR: { description: 'Also tag nodes, remove nodes, and run fleet operations.' },
    ADMIN: { description: 'Also manage clusters, enrollment, accounts, and read the audit log.' },
  },
});

const ActorTypeEnum = builder.enumType('ActorType', {
  description: 'Who is acting.',
  values: {
    USER: { description: 'A person logged in with a session.' },
    API_TOKEN: { description: 'A person’s API token (automation).' },
    AGENT: { description: 'A manager agent.' },
    ANONYMOUS: { description: 'No credentials.' },
    SYSTEM: { description: 'The OC itself.' },
  },
});

export const UserRef = builder.objectRef<UserRow>('User').implement({
  description: 'A personal account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    username: t.exposeString('username', { description: 'Login name.' }),
    role: t.field({ type: RoleEnum, description: 'What the user may do.', resolve: (user) => user.role }),
    disabled: t.exposeBoolean('disabled', { description: 'A disabled user cannot log in and their tokens stop working.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the account was created.', resolve: (user) => user.createdAt }),
  }),
});

const ApiTokenRef = builder.objectRef<ApiTokenRow>('ApiToken').implement({
  description: 'A personal API token for automation. Its secret is shown only when it is created.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'What it is for.' }),
    role: t.field({ type: RoleEnum, description: 'Its role; never more than its owner’s.', resolve: (token) => token.role }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (token) => token.createdAt }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it stops working (null only for tokens made before lifetimes were enforced).',
      resolve: (token) => token.expiresAt,
    }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was revoked.', resolve: (token) => token.revokedAt }),
  }),
});

const UserConnection = connectionOf('User', UserRef, 'user');
const ApiTokenConnection = connectionOf('ApiToken', ApiTokenRef, 'API token');

const SessionRef = builder.objectRef<{ token: string; user: UserRow; expiresAt: Date }>('Session').implement({
  description: 'A login session. Send the token as "Authorization: Bearer <token>" (or in the WebSocket connection_init payload).',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The session token; keep it secret.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the session ends.', resolve: (session) => session.expiresAt }),
    user: t.field({ type: UserRef, description: 'Who logged in.', resolve: (session) => session.user }),
  }),
});

const CreatedApiTokenRef = builder.objectRef<{ token: string; apiToken: ApiTokenRow }>('CreatedApiToken').implement({
  description: 'A new API token with its secret, shown this once.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The secret; store it now, it cannot be shown again.' }),
    apiToken: t.field({ type: ApiTokenRef, description: 'The token’s record.', resolve: (created) => created.apiToken }),
  }),
});

const CreatedUserRef = builder.objectRef<{ user: UserRow; password: string | null }>('CreatedUser').implement({
  description: 'A new account.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The account.', resolve: (created) => created.user }),
    password: t.exposeString('password', {
      nullable: true,
      description: 'The generated password, shown this once (null when one was given).',
    }),
  }),
});

const PasswordResetRef = builder.objectRef<{ user: UserRow; password: string }>('PasswordReset').implement({
  description: 'A new password, shown this once; the user’s sessions have ended.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The account.', resolve: (reset) => reset.user }),
    password: t.exposeString('password', { description: 'The new password.' }),
  }),
});

const LogoutRef = builder.objectRef<{ ended: boolean }>('Logout').implement({
  description: 'What logging out did.',
  fields: (t) => ({
    ended: t.exposeBoolean('ended', { description: 'True when a session ended; false when the credentials were not a session (an API token).' }),
  }),
});

const ViewerRef = builder.objectRef<{ type: string; name: string; role: string | null; userId: string | null }>('Viewer').implement({
  description: 'Who the current credentials belong to.',
  fields: (t) => ({
    actorType: t.field({ type: ActorTypeEnum, description: 'Kind of credential.', resolve: (viewer) => viewer.type as 'USER' }),
    name: t.exposeString('name', { description: 'User name (with the token name for API tokens).' }),
    role: t.field({ type: RoleEnum, nullable: true, description: 'The role in effect.', resolve: (viewer) => viewer.role as 'VIEWER' | null }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'The account.',
      resolve: async (viewer, _args, context) => (viewer.userId ? ((await context.services.accounts.findUser(viewer.userId)) ?? null) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerRef,
    description: 'Who you are and what role you have.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => {
      const actor = context.meta.actor;
      return {
        type: actor.type,
        name: actorName(actor),
        role: context.role,
        userId: actor.type === 'USER' || actor.type === 'API_TOKEN' ? actor.userId : null,
      };
    },
  }),
  users: t.field({
    type: UserConnection,
    description: 'All accounts, by name.',
    args: pageArgs,
    authScopes: { admin: true },
    resolve: async (_root, args, context) =>
      pageInMemory(
        await context.services.accounts.listUsers(),
        checkPage(args, 1),
        (user) => [user.username],
        (a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0),
      ),
  }),
  apiTokens: t.field({
    type: ApiTokenConnection,
    description: 'Your API tokens (admins: everyone’s, with all: true), oldest first.',
    args: { all: t.arg.boolean({ defaultValue: false, description: 'Admins only: everyone’s tokens.' }), ...pageArgs },
    authScopes: { viewer: true },
    resolve: async (_root, args, context) => {
      const actor = context.meta.actor;
      const own = actor.type === 'USER' || actor.type === 'API_TOKEN' ? actor.userId : undefined;
      const tokens = await context.services.accounts.listApiTokens(args.all && context.role === 'ADMIN' ? undefined : own);
      return pageInMemory(
        tokens,
        checkPage(args, 1),
        (token) => [token.createdAt.toISOString() + token.id],
        (a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0),
      );
    },
  }),
}));

builder.mutationFields((t) => ({
  login: mutation(t, 'login', 'PUBLIC', {
    type: SessionRef,
    description:
      'Exchanges a username and password for a session token. Repeated failures for a user name or from an address lock it for a while (RateLimitedError), longer each time. One login per request.',
    args: {
      username: t.arg.string({ required: true, description: 'Login name.' }),
      password: t.arg.string({ required: true, description: 'Password.' }),
    },
    resolve: (meta, args, context) => context.services.accounts.login(meta, args.username, args.password),
  }),
  logout: mutation(t, 'logout', 'VIEWER', {
    type: LogoutRef,
    description: 'Ends the current session (an API token is revoked with revokeApiToken instead).',
    resolve: async (meta, _args, context) => ({ ended: await context.services.accounts.logout(meta) }),
  }),
  changePassword: mutation(t, 'user.changePassword', 'VIEWER', {
    type: UserRef,
    description: 'Changes your own password; your other sessions end (this one goes on). Wrong current passwords count as failed logins.',
    args: {
      currentPassword: t.arg.string({ required: true, description: 'Your current password.' }),
      newPassword: t.arg.string({ required: true, description: 'At least 12 characters.' }),
    },
    resolve: (meta, args, context) => context.services.accounts.changePassword(meta, args.currentPassword, args.newPassword),
  }),
  createApiToken: mutation(t, 'apiToken.create', 'VIEWER', {
    type: CreatedApiTokenRef,
    description:
      'Creates a personal API token for scripts, from a login session only. Its role cannot exceed yours. It dies when it expires, is revoked, your account is disabled or your password is reset.',
    args: {
      name: t.arg.string({ required: true, description: 'What it is for.' }),
      role: t.arg({ type: RoleEnum, description: 'Its role; default yours.' }),
      expiresInDays: t.arg.int({
        description: 'Days until it stops working; default and at most the OC’s maximum token lifetime (365 days unless configured).',
      }),
    },
    resolve: (meta, args, context) => context.services.accounts.createApiToken(meta, args),
  }),
  revokeApiToken: mutation(t, 'apiToken.revoke', 'VIEWER', {
    type: ApiTokenRef,
    description: 'Revokes an API token (yours, or anyone’s for admins). Open sockets using it are closed.',
    args: { id: t.arg.id({ required: true, description: 'The token id.' }) },
    resolve: (meta, args, context) => context.services.accounts.revokeApiToken(meta, String(args.id)),
  }),
  createUser: mutation(t, 'user.create', 'ADMIN', {
    type: CreatedUserRef,
    description: 'Creates a personal account. Without a password, one is generated and returned once.',
    args: {
      username: t.arg.string({ required: true, description: 'Login name.' }),
      role: t.arg({ type: RoleEnum, required: true, description: 'Its role.' }),
      password: t.arg.string({ description: 'At least 12 characters; default generated.' }),
    },
    resolve: (meta, args, context) => context.services.accounts.createUser(meta, args),
  }),
  setUserRole: mutation(t, 'user.setRole', 'ADMIN', {
    type: UserRef,
    description: 'Changes a user’s role. The last active admin cannot be demoted.',
    args: { id: t.arg.id({ required: true, description: 'The user id.' }), role: t.arg({ type: RoleEnum, required: true, description: 'The new role.' }) },
    resolve: (meta, args, context) => context.services.accounts.setUserRole(meta, String(args.id), args.role),
  }),
  setUserDisabled: mutation(t, 'user.disable', 'ADMIN', {
    type: UserRef,
    description: 'Disables (or enables) an account. Disabling ends its sessions and revokes its API tokens at once; enabling it again restores none of them.',
    args: { id: t.arg.id({ required: true, description: 'The user id.' }), disabled: t.arg.boolean({ required: true, description: 'true to disable.' }) },
    resolve: (meta, args, context) => context.services.accounts.setUserDisabled(meta, String(args.id), args.disabled),
  }),
  resetUserPassword: mutation(t, 'user.resetPassword', 'ADMIN', {
    type: PasswordResetRef,
    description: 'Gives a user a new generated password, shown once, ends their sessions and revokes their API tokens.',
    args: { username: t.arg.string({ required: true, description: 'The login name.' }) },
    resolve: (meta, args, context) => context.services.accounts.resetPassword(meta, args.username),
  }),
}));
