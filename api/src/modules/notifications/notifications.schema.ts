import { builder } from '../../graphql/builder.ts';
import { mutation } from '../../graphql/mutation.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import { RemovedRef } from '../../graphql/removed.ts';
import type { ChannelInput } from './notifications.rules.ts';
import type { AttemptRow, ChannelRow, NotificationRow } from './notifications.table.ts';

const ChannelKindEnum = builder.enumType('NotificationChannelKind', {
  description: 'How a channel delivers.',
  values: {
    WEBHOOK: { description: 'An HTTP POST signed as the Standard Webhooks specification says (webhook-id, webhook-timestamp, webhook-signature).' },
    SLACK: { description: 'A Slack-compatible incoming webhook (its URL is the secret).' },
    EMAIL: { description: 'E-mail over SMTP.' },
    EVENT_EXPORT: {
      description: 'A signed webhook that receives every event (status, topology, operations, alerts) in batches: a complete copy for analytics.',
    },
  },
});

const DeliveryStateEnum = builder.enumType('NotificationState', {
  description: 'Where a notification is.',
  values: {
    PENDING: { description: 'Waiting for its next attempt.' },
    DELIVERED: { description: 'The receiver accepted it.' },
    DEAD: { description: 'Dead-lettered: every attempt failed.' },
  },
});

export const ChannelRef = builder.objectRef<ChannelRow>('NotificationChannel').implement({
  description: 'Where notifications go. Its secret (signing secret, Slack URL or SMTP password) is write-only: never returned.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'Unique name.' }),
    kind: t.field({ type: ChannelKindEnum, description: 'How it delivers.', resolve: (channel) => channel.kind }),
    url: t.string({ nullable: true, description: 'WEBHOOK and EVENT_EXPORT: where it posts.', resolve: (channel) => channel.settings.url ?? null }),
    host: t.string({ nullable: true, description: 'SLACK: the host of its (secret) URL.', resolve: (channel) => channel.settings.host ?? null }),
    smtpHost: t.string({ nullable: true, description: 'EMAIL: the SMTP server.', resolve: (channel) => channel.settings.smtpHost ?? null }),
    smtpPort: t.int({ nullable: true, description: 'EMAIL: its port.', resolve: (channel) => channel.settings.smtpPort ?? null }),
    smtpSecure: t.boolean({ nullable: true, description: 'EMAIL: TLS from the start.', resolve: (channel) => channel.settings.smtpSecure ?? null }),
    smtpUser: t.string({ nullable: true, description: 'EMAIL: the user name it logs in with.', resolve: (channel) => channel.settings.smtpUser ?? null }),
    from: t.string({ nullable: true, description: 'EMAIL: the sender.', resolve: (channel) => channel.settings.from ?? null }),
    to: t.stringList({ nullable: true, description: 'EMAIL: the recipients.', resolve: (channel) => channel.settings.to ?? null }),
    secretSet: t.boolean({ description: 'Whether a secret is stored (it is never shown).', resolve: (channel) => channel.secret !== null }),
    maxAttempts: t.exposeInt('maxAttempts', { description: 'Attempts before a notification is dead-lettered.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether new notifications are queued for it.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who created it.' }),
  }),
});

const AttemptRef = builder.objectRef<AttemptRow>('NotificationAttempt').implement({
  description: 'One delivery attempt.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 for the first.' }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (attempt) => attempt.at }),
    succeeded: t.exposeBoolean('succeeded', { description: 'Whether the receiver accepted it.' }),
    outcome: t.exposeString('outcome', { description: 'What the receiver answered, or why there was no answer.' }),
  }),
});

export const NotificationRef = builder.objectRef<NotificationRow>('Notification').implement({
  description: 'One notification in the outbox. Its id is sent with every attempt (webhook-id), so receivers can drop duplicates.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id, the same on every attempt.' }),
    channel: t.field({
      type: ChannelRef,
      nullable: true,
      description: 'Where it goes.',
      resolve: async (notification, _args, context) => (await context.services.notifications.channel(notification.channelId)) ?? null,
    }),
    type: t.string({ description: 'alert.firing, alert.resolved, test or events.', resolve: (notification) => notification.message.type }),
    title: t.string({ description: 'Its title.', resolve: (notification) => notification.message.title }),
    text: t.string({ description: 'Its text.', resolve: (notification) => notification.message.text }),
    state: t.field({ type: DeliveryStateEnum, description: 'PENDING, DELIVERED or DEAD.', resolve: (notification) => notification.state }),
    attempts: t.exposeInt('attempts', { description: 'Attempts so far.' }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due, while PENDING.',
      resolve: (notification) => (notification.state === 'PENDING' ? notification.nextAttemptAt : null),
    }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was queued.', resolve: (notification) => notification.createdAt }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was delivered.', resolve: (notification) => notification.deliveredAt }),
    alertId: t.exposeID('alertId', { nullable: true, description: 'The alert it is about, when it is about one.' }),
    attemptLog: t.field({
      type: [AttemptRef],
      description: 'Every attempt, first first.',
      resolve: (notification, _args, context) => context.services.notifications.attempts([notification.id]),
    }),
  }),
});

const NotificationConnection = connectionOf('Notification', NotificationRef, 'notification');

const ChannelInputRef = builder.inputType('NotificationChannelInput', {
  description: 'A channel. Secrets are write-only: give one to set or replace it, leave it out on update to keep it.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name.' }),
    kind: t.field({ type: ChannelKindEnum, required: true, description: 'How it delivers.' }),
    url: t.string({ description: 'WEBHOOK and EVENT_EXPORT: where to POST.' }),
    secret: t.string({
      description: 'WEBHOOK and EVENT_EXPORT: the Standard Webhooks signing secret (whsec_…); SLACK: the incoming-webhook URL; EMAIL: the SMTP password.',
    }),
    smtpHost: t.string({ description: 'EMAIL: SMTP server.' }),
    smtpPort: t.int({ description: 'EMAIL: port (default 587).' }),
    smtpSecure: t.boolean({ description: 'EMAIL: TLS from the start (default: on port 465).' }),
    smtpUser: t.string({ description: 'EMAIL: user name, if the server wants a login.' }),
    from: t.string({ description: 'EMAIL: sender address.' }),
    to: t.stringList({ description: 'EMAIL: recipients.' }),
    maxAttempts: t.int({ description: 'Attempts before dead-lettering (default from OPSCENTER_NOTIFICATION_MAX_ATTEMPTS).' }),
    enabled: t.boolean({ description: 'Default true.' }),
  }),
});

builder.queryFields((t) => ({
  notificationChannels: t.field({
    type: [ChannelRef],
    description: 'Every notification channel, by name.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => context.services.notifications.channels(),
  }),
  notifications: t.field({
    type: NotificationConnection,
    description: 'The outbox, newest first: every notification with its attempts.',
    args: {
      ...pageArgs,
      channel: t.arg.id({ description: 'Only this channel’s.' }),
      state: t.arg({ type: DeliveryStateEnum, description: 'Only in this state (DEAD for dead letters).' }),
    },
    authScopes: { viewer: true },
    resolve: (_root, args, context) =>
      context.services.notifications.notifications({ channelId: args.channel ? String(args.channel) : null, state: args.state }, args),
  }),
}));

builder.mutationFields((t) => ({
  createNotificationChannel: mutation(t, 'channel.create', 'ADMIN', {
    type: ChannelRef,
    description: 'Creates a notification channel.',
    args: { input: t.arg({ type: ChannelInputRef, required: true, description: 'The channel.' }) },
    resolve: (meta, args, context) => context.services.notifications.createChannel(meta, args.input as ChannelInput),
  }),
  updateNotificationChannel: mutation(t, 'channel.update', 'ADMIN', {
    type: ChannelRef,
    description: 'Replaces a channel’s settings; a secret left out is kept.',
    args: {
      id: t.arg.id({ required: true, description: 'The channel id.' }),
      input: t.arg({ type: ChannelInputRef, required: true, description: 'The channel.' }),
    },
    resolve: (meta, args, context) => context.services.notifications.updateChannel(meta, String(args.id), args.input as ChannelInput),
  }),
  deleteNotificationChannel: mutation(t, 'channel.delete', 'ADMIN', {
    type: RemovedRef,
    description: 'Deletes a channel with its outbox; rules that named it stop naming it.',
    args: { id: t.arg.id({ required: true, description: 'The channel id.' }) },
    resolve: (meta, args, context) =>
      context.services.notifications.deleteChannel(meta, String(args.id), (work, channelId) => context.services.alerts.forgetChannel(work, channelId)),
  }),
  testNotificationChannel: mutation(t, 'channel.test', 'OPERATOR', {
    type: NotificationRef,
    description: 'Queues a test notification on a channel; follow it in notifications (attempts, outcome).',
    args: { id: t.arg.id({ required: true, description: 'The channel id.' }) },
    resolve: (meta, args, context) => context.services.notifications.testChannel(meta, String(args.id)),
  }),
}));
