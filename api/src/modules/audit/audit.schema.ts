import { builder } from '../../graphql/builder.ts';
import { connectionOf, pageArgs } from '../../graphql/pagination.ts';
import type { AuditRow } from './audit.table.ts';

const AuditResultEnum = builder.enumType('AuditResult', {
  description: 'How an audited call ended.',
  values: {
    SUCCESS: { description: 'It ran.' },
    DENIED: { description: 'The caller was not allowed.' },
    FAILED: { description: 'It was refused for an expected reason (see errorCode).' },
    ERROR: { description: 'It failed unexpectedly.' },
  },
});

const AuditEntryRef = builder.objectRef<AuditRow>('AuditEntry').implement({
  description: 'One audited call: who did what to what, and how it ended. Append-only.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Position in the log.' }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (row) => row.at }),
    requestId: t.exposeString('requestId', { nullable: true, description: 'The request it belonged to.' }),
    sourceAddress: t.exposeString('sourceAddress', { nullable: true, description: 'The address the call came from (null for the OC’s own work).' }),
    actorType: t.exposeString('actorType', { description: 'USER, API_TOKEN, AGENT, ANONYMOUS or SYSTEM.' }),
    actorId: t.exposeString('actorId', { nullable: true, description: 'The user or agent credential id.' }),
    actorName: t.exposeString('actorName', { description: 'Who, for people.' }),
    action: t.exposeString('action', { description: 'What, e.g. cluster.create.' }),
    targetType: t.exposeString('targetType', { nullable: true, description: 'Kind of thing acted on.' }),
    targetId: t.exposeString('targetId', { nullable: true, description: 'The thing acted on.' }),
    args: t.field({ type: 'JSONObject', description: 'The arguments, secrets redacted.', resolve: (row) => row.args }),
    result: t.field({ type: AuditResultEnum, description: 'How it ended.', resolve: (row) => row.result }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: 'Why it failed or was denied.' }),
    message: t.exposeString('message', { nullable: true, description: 'Details.' }),
  }),
});

const AuditConnection = connectionOf('AuditEntry', AuditEntryRef, 'audit entry');

const AuditFilterInput = builder.inputType('AuditFilter', {
  description: 'Narrows the audit log.',
  fields: (t) => ({
    action: t.string({ description: 'Exact action, e.g. cluster.create.' }),
    actorName: t.string({ description: 'Exact actor name.' }),
    targetId: t.string({ description: 'Exact target id.' }),
    result: t.field({ type: AuditResultEnum, description: 'Only this result.' }),
    since: t.field({ type: 'DateTime', description: 'From this time.' }),
    until: t.field({ type: 'DateTime', description: 'Up to this time.' }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditConnection,
    description: 'The audit log, newest first.',
    args: { filter: t.arg({ type: AuditFilterInput, description: 'Narrow the log.' }), ...pageArgs },
    authScopes: { admin: true },
    resolve: (_root, args, context) => context.services.audit.list(args.filter ?? {}, args),
  }),
);
