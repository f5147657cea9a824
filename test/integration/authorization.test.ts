import fs from 'node:fs';
import { asc, gt, max } from 'drizzle-orm';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../../api/scripts/print-schema.ts';
import { auditLog } from '../../api/src/modules/audit/audit.table.ts';
import { personToken } from '../helpers/accounts.ts';
import { enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.ts';

type Caller = 'anonymous' | 'viewer' | 'operator' | 'admin' | 'agent';
type Access = 'PUBLIC' | 'AGENT' | 'VIEWER' | 'OPERATOR' | 'ADMIN';

const ID = '00000000-0000-4000-8000-000000000000';

/**
 * Every root field with the least access it needs and a call that passes validation. The test
 * below fails when a root field is missing here, so a new field cannot ship without a decision.
 */
const FIELDS: Record<string, { access: Access; operation: string; variables?: Record<string, unknown> }> = {
  'Query.viewer': { access: 'VIEWER', operation: '{ viewer { name } }' },
  'Query.systemOverview': { access: 'VIEWER', operation: '{ systemOverview { clusterCount } }' },
  'Query.clusters': { access: 'VIEWER', operation: '{ clusters(first: 1) { totalCount } }' },
  'Query.cluster': { access: 'VIEWER', operation: '{ cluster(name: "x") { id } }' },
  'Query.node': { access: 'VIEWER', operation: `{ node(id: "${ID}") { id } }` },
  'Query.nodes': { access: 'VIEWER', operation: '{ nodes(first: 1) { totalCount } }' },
  'Query.tags': { access: 'VIEWER', operation: '{ tags(first: 1) { totalCount } }' },
  'Query.apiTokens': { access: 'VIEWER', operation: '{ apiTokens(first: 1) { totalCount } }' },
  'Query.eventSequence': { access: 'VIEWER', operation: '{ eventSequence }' },
  'Query.operations': { access: 'VIEWER', operation: '{ operations(first: 1) { totalCount } }' },
  'Query.operation': { access: 'VIEWER', operation: `{ operation(id: "${ID}") { id } }` },
  'Query.planOperation': { access: 'VIEWER', operation: '{ planOperation(input: { kind: ROLLING_RESTART, target: { all: true } }) { nodeCount } }' },
  'Query.schedules': { access: 'VIEWER', operation: '{ schedules(first: 1) { totalCount } }' },
  'Query.schedule': { access: 'VIEWER', operation: `{ schedule(id: "${ID}") { id } }` },
  'Query.baselines': { access: 'VIEWER', operation: '{ baselines(first: 1) { totalCount } }' },
  'Query.baseline': { access: 'VIEWER', operation: '{ baseline(id: "x") { id } }' },
  'Query.driftSummary': { access: 'VIEWER', operation: '{ driftSummary(target: { all: true }) { nodeCount } }' },
  'Query.contentItems': { access: 'VIEWER', operation: '{ contentItems(first: 1) { totalCount } }' },
  'Query.nodesWithContent': { access: 'VIEWER', operation: '{ nodesWithContent(name: "x.jar", first: 1) { totalCount } }' },
  'Query.appliedContent': { access: 'VIEWER', operation: '{ appliedContent(first: 1) { totalCount } }' },
  'Query.nodesWithTenant': { access: 'VIEWER', operation: '{ nodesWithTenant(name: "acme", first: 1) { totalCount } }' },
  'Query.contentItem': { access: 'VIEWER', operation: `{ contentItem(id: "${ID}") { id } }` },
  'Query.previewSchedule': { access: 'VIEWER', operation: '{ previewSchedule(cron: "0 0 * * *", timezone: "UTC") }' },
  'Query.availability': { access: 'VIEWER', operation: '{ availability(target: { all: true }, since: "2026-01-01T00:00:00Z") { nodeCount } }' },
  'Query.users': { access: 'ADMIN', operation: '{ users(first: 1) { totalCount } }' },
  'Query.auditLog': { access: 'ADMIN', operation: '{ auditLog(first: 1) { totalCount } }' },
  'Query.statusPage': { access: 'ADMIN', operation: '{ statusPage { title } }' },
  'Mutation.login': { access: 'PUBLIC', operation: 'mutation { login(username: "nobody", password: "wrong-password") { __typename } }' },
  'Mutation.registerManager': {
    access: 'PUBLIC',
    operation: 'mutation { registerManager(input: { enrollmentToken: "oce_x", cluster: "x", manager: { name: "m" } }) { __typename } }',
  },
  'Mutation.logout': { access: 'VIEWER', operation: 'mutation { logout { __typename } }' },
  'Mutation.changePassword': { access: 'VIEWER', operation: 'mutation { changePassword(currentPassword: "wrong-password", newPassword: "x") { __typename } }' },
  'Mutation.createApiToken': { access: 'VIEWER', operation: 'mutation { createApiToken(name: "") { __typename } }' },
  'Mutation.revokeApiToken': { access: 'VIEWER', operation: `mutation { revokeApiToken(id: "${ID}") { __typename } }` },
  'Mutation.addTags': { access: 'OPERATOR', operation: `mutation { addTags(input: { nodeIds: ["${ID}"], tags: ["t"] }) { __typename } }` },
  'Mutation.removeTags': { access: 'OPERATOR', operation: `mutation { removeTags(input: { nodeIds: ["${ID}"], tags: ["t"] }) { __typename } }` },
  'Mutation.removeNode': { access: 'OPERATOR', operation: `mutation { removeNode(id: "${ID}") { __typename } }` },
  'Query.alerts': { access: 'VIEWER', operation: '{ alerts(first: 1) { totalCount } }' },
  'Query.alert': { access: 'VIEWER', operation: `{ alert(id: "${ID}") { id } }` },
  'Query.alertCounts': { access: 'VIEWER', operation: '{ alertCounts { firing } }' },
  'Query.alertRules': { access: 'VIEWER', operation: '{ alertRules { id } }' },
  'Query.alertRule': { access: 'VIEWER', operation: '{ alertRule(rule: "x") { id } }' },
  'Query.silences': { access: 'VIEWER', operation: '{ silences { id } }' },
  'Query.notificationChannels': { access: 'VIEWER', operation: '{ notificationChannels { id } }' },
  'Query.notifications': { access: 'VIEWER', operation: '{ notifications(first: 1) { totalCount } }' },
  'Mutation.createAlertRule': {
    access: 'OPERATOR',
    operation: 'mutation { createAlertRule(input: { name: "r", target: { all: true }, condition: { nodeStatus: { statuses: [DOWN] } } }) { __typename } }',
  },
  'Mutation.updateAlertRule': {
    access: 'OPERATOR',
    operation: `mutation { updateAlertRule(id: "${ID}", input: { name: "r", target: { all: true }, condition: { nodeStatus: { statuses: [DOWN] } } }) { __typename } }`,
  },
  'Mutation.setAlertRuleEnabled': { access: 'OPERATOR', operation: `mutation { setAlertRuleEnabled(id: "${ID}", enabled: false) { __typename } }` },
  'Mutation.deleteAlertRule': { access: 'OPERATOR', operation: `mutation { deleteAlertRule(id: "${ID}") { __typename } }` },
  'Mutation.acknowledgeAlert': { access: 'OPERATOR', operation: `mutation { acknowledgeAlert(id: "${ID}", comment: "x") { __typename } }` },
  'Mutation.createSilence': {
    access: 'OPERATOR',
    operation: 'mutation { createSilence(input: { matchers: [{ label: "node", value: "x" }], duration: "1h", comment: "x" }) { __typename } }',
  },
  'Mutation.expireSilence': { access: 'OPERATOR', operation: `mutation { expireSilence(id: "${ID}") { __typename } }` },
  'Mutation.createNotificationChannel': {
    access: 'ADMIN',
    operation: 'mutation { createNotificationChannel(input: { name: "c", kind: SLACK, secret: "https://hooks.example/x" }) { __typename } }',
  },
  'Mutation.updateNotificationChannel': {
    access: 'ADMIN',
    operation: `mutation { updateNotificationChannel(id: "${ID}", input: { name: "c", kind: SLACK }) { __typename } }`,
  },
  'Mutation.deleteNotificationChannel': { access: 'ADMIN', operation: `mutation { deleteNotificationChannel(id: "${ID}") { __typename } }` },
  'Mutation.testNotificationChannel': { access: 'OPERATOR', operation: `mutation { testNotificationChannel(id: "${ID}") { __typename } }` },
  'Query.remediationPolicies': { access: 'VIEWER', operation: '{ remediationPolicies { id } }' },
  'Mutation.createRemediationPolicy': {
    access: 'ADMIN',
    operation: 'mutation { createRemediationPolicy(input: { name: "p", target: { all: true } }) { __typename } }',
  },
  'Mutation.updateRemediationPolicy': {
    access: 'ADMIN',
    operation: `mutation { updateRemediationPolicy(id: "${ID}", input: { name: "p", target: { all: true } }) { __typename } }`,
  },
  'Mutation.setRemediationPolicyEnabled': {
    access: 'ADMIN',
    operation: `mutation { setRemediationPolicyEnabled(id: "${ID}", enabled: false) { __typename } }`,
  },
  'Mutation.deleteRemediationPolicy': { access: 'ADMIN', operation: `mutation { deleteRemediationPolicy(id: "${ID}") { __typename } }` },
  'Mutation.releaseRemediationHold': { access: 'OPERATOR', operation: `mutation { releaseRemediationHold(id: "${ID}") { __typename } }` },
  'Mutation.createOperation': {
    access: 'OPERATOR',
    operation: 'mutation { createOperation(input: { kind: ROLLING_RESTART, target: { clusters: ["none"] } }) { __typename } }',
  },
  'Mutation.pauseOperation': { access: 'OPERATOR', operation: `mutation { pauseOperation(id: "${ID}") { __typename } }` },
  'Mutation.resumeOperation': { access: 'OPERATOR', operation: `mutation { resumeOperation(id: "${ID}") { __typename } }` },
  'Mutation.cancelOperation': { access: 'OPERATOR', operation: `mutation { cancelOperation(id: "${ID}") { __typename } }` },
  'Mutation.promoteOperation': { access: 'OPERATOR', operation: `mutation { promoteOperation(id: "${ID}") { __typename } }` },
  'Mutation.createSchedule': {
    access: 'OPERATOR',
    operation:
      'mutation { createSchedule(input: { name: "s", cron: "0 0 * * *", timezone: "UTC", operation: { kind: ROLLING_RESTART, target: { all: true } } }) { __typename } }',
  },
  'Mutation.updateSchedule': {
    access: 'OPERATOR',
    operation: `mutation { updateSchedule(id: "${ID}", input: { name: "s", cron: "0 0 * * *", timezone: "UTC", operation: { kind: ROLLING_RESTART, target: { all: true } } }) { __typename } }`,
  },
  'Mutation.setScheduleEnabled': { access: 'OPERATOR', operation: `mutation { setScheduleEnabled(id: "${ID}", enabled: false) { __typename } }` },
  'Mutation.deleteSchedule': { access: 'OPERATOR', operation: `mutation { deleteSchedule(id: "${ID}") { __typename } }` },
  'Mutation.createBaseline': {
    access: 'OPERATOR',
    operation: 'mutation { createBaseline(name: "", input: { target: { all: true }, itemIds: [], message: "" }) { __typename } }',
  },
  'Mutation.updateBaseline': {
    access: 'OPERATOR',
    operation: 'mutation { updateBaseline(id: "x", input: { target: { all: true }, itemIds: [], message: "" }) { __typename } }',
  },
  'Mutation.restoreBaselineVersion': { access: 'OPERATOR', operation: 'mutation { restoreBaselineVersion(id: "x", version: 1, message: "") { __typename } }' },
  'Mutation.deleteBaseline': { access: 'OPERATOR', operation: 'mutation { deleteBaseline(id: "x") { __typename } }' },
  'Mutation.enforceBaseline': {
    access: 'OPERATOR',
    operation: 'mutation { enforceBaseline(baseline: "x", input: { cron: "0 * * * *", timezone: "UTC" }) { __typename } }',
  },
  'Mutation.stopEnforcingBaseline': { access: 'OPERATOR', operation: 'mutation { stopEnforcingBaseline(baseline: "x") { __typename } }' },
  'Mutation.deleteContentItem': { access: 'OPERATOR', operation: `mutation { deleteContentItem(id: "${ID}") { __typename } }` },
  'Mutation.createCluster': { access: 'ADMIN', operation: 'mutation { createCluster(input: { name: "", productKind: "x" }) { __typename } }' },
  'Mutation.updateCluster': { access: 'ADMIN', operation: `mutation { updateCluster(id: "${ID}", input: { description: "d" }) { __typename } }` },
  'Mutation.deleteCluster': { access: 'ADMIN', operation: `mutation { deleteCluster(id: "${ID}") { __typename } }` },
  'Mutation.createEnrollmentToken': { access: 'ADMIN', operation: 'mutation { createEnrollmentToken(cluster: "nope") { __typename } }' },
  'Mutation.createUser': { access: 'ADMIN', operation: 'mutation { createUser(username: "", role: VIEWER) { __typename } }' },
  'Mutation.setUserRole': { access: 'ADMIN', operation: `mutation { setUserRole(id: "${ID}", role: VIEWER) { __typename } }` },
  'Mutation.setUserDisabled': { access: 'ADMIN', operation: `mutation { setUserDisabled(id: "${ID}", disabled: true) { __typename } }` },
  'Mutation.resetUserPassword': { access: 'ADMIN', operation: 'mutation { resetUserPassword(username: "nobody") { __typename } }' },
  'Mutation.setStatusPageSettings': { access: 'ADMIN', operation: 'mutation { setStatusPageSettings(title: "") { __typename } }' },
  'Mutation.addStatusComponent': {
    access: 'ADMIN',
    operation: 'mutation { addStatusComponent(input: { name: "", target: { clusters: ["none"] } }) { __typename } }',
  },
  'Mutation.updateStatusComponent': {
    access: 'ADMIN',
    operation: `mutation { updateStatusComponent(id: "${ID}", input: { name: "", target: { clusters: ["none"] } }) { __typename } }`,
  },
  'Mutation.removeStatusComponent': { access: 'ADMIN', operation: `mutation { removeStatusComponent(id: "${ID}") { __typename } }` },
  'Mutation.reorderStatusComponents': { access: 'ADMIN', operation: `mutation { reorderStatusComponents(ids: ["${ID}"]) { __typename } }` },
  'Mutation.publishStatusIncident': {
    access: 'ADMIN',
    operation: 'mutation { publishStatusIncident(input: { title: "", message: "", componentIds: [] }) { __typename } }',
  },
  'Mutation.postStatusIncidentUpdate': {
    access: 'ADMIN',
    operation: `mutation { postStatusIncidentUpdate(id: "${ID}", state: MONITORING, message: "") { __typename } }`,
  },
  'Mutation.resolveStatusIncident': { access: 'ADMIN', operation: `mutation { resolveStatusIncident(id: "${ID}", message: "") { __typename } }` },
  'Mutation.renewAgentCredential': { access: 'AGENT', operation: 'mutation { renewAgentCredential { __typename } }' },
  'Mutation.revokeAgentCredentials': { access: 'ADMIN', operation: 'mutation { revokeAgentCredentials(cluster: "nope") { __typename } }' },
  'Mutation.reportMembership': { access: 'AGENT', operation: 'mutation { reportMembership(input: { joined: [] }) { __typename } }' },
  'Mutation.reportInventory': { access: 'AGENT', operation: 'mutation { reportInventory(input: { nodes: [] }) { __typename } }' },
  'Mutation.sendHeartbeats': { access: 'AGENT', operation: 'mutation { sendHeartbeats(input: { sequence: 0, entries: [] }) { __typename } }' },
  'Mutation.reportCommandProgress': {
    access: 'AGENT',
    operation: `mutation { reportCommandProgress(input: { commandId: "${ID}", epoch: 0, state: RUNNING }) { __typename } }`,
  },
  'Subscription.agentCommands': { access: 'AGENT', operation: 'subscription { agentCommands { id } }' },
  'Subscription.operationProgress': { access: 'VIEWER', operation: 'subscription { operationProgress { __typename } }' },
  'Subscription.nodeStatusChanged': { access: 'VIEWER', operation: 'subscription { nodeStatusChanged { __typename } }' },
  'Subscription.alerts': { access: 'VIEWER', operation: 'subscription { alerts { __typename } }' },
  'Subscription.topologyEvents': { access: 'VIEWER', operation: 'subscription { topologyEvents { __typename } }' },
};

function allowed(access: Access, caller: Caller): boolean {
  if (access === 'PUBLIC') return true;
  if (access === 'AGENT') return caller === 'agent';
  const rank = { anonymous: 0, agent: 0, viewer: 1, operator: 2, admin: 3 }[caller];
  return rank >= { VIEWER: 1, OPERATOR: 2, ADMIN: 3 }[access];
}

describe('authorization of every root field', () => {
  let server: TestServer;
  const tokens: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    server = await startTestServer();
    tokens.viewer = await personToken(server, 'viewer', 'VIEWER');
    tokens.operator = await personToken(server, 'operator', 'OPERATOR');
    tokens.admin = server.adminToken;
    tokens.agent = (await enrollManager(server, 'authz')).credential;
  });
  afterAll(() => server.stop());

  it('lists every root field of the schema', () => {
    const schema = buildSchema(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    const roots = ['Query', 'Mutation', 'Subscription'].flatMap((type) =>
      Object.keys(schema.getType(type) && 'getFields' in (schema.getType(type) as object) ? (schema.getType(type) as any).getFields() : {}).map(
        (field) => `${type}.${field}`,
      ),
    );
    expect(Object.keys(FIELDS).sort()).toEqual(roots.sort());
  });

  for (const [field, { access, operation, variables }] of Object.entries(FIELDS)) {
    for (const caller of ['anonymous', 'viewer', 'operator', 'admin', 'agent'] as Caller[]) {
      const expected = allowed(access, caller);
      it(`${field} is ${expected ? 'allowed' : 'refused'} for ${caller}`, async () => {
        // Logging out would end the shared sessions; it gets fresh sessions of its own.
        const token =
          field === 'Mutation.logout' && expected && caller !== 'agent'
            ? ok<any>(await server.gql(`mutation { login(username: "admin", password: "admin-password-for-tests") { ... on Session { token } } }`)).login.token
            : tokens[caller];
        let code: string | undefined;
        if (field.startsWith('Subscription.')) {
          if (!token || caller === 'anonymous') return; // a socket without credentials is refused at connection_init (see subscriptions tests)
          const stream = collect(server.wsClient(token), operation);
          const outcome = await Promise.race([
            stream.waitFor(1, 60_000).then(
              () => 'data',
              (error: Error) => error.message,
            ),
            new Promise<string>((resolve) => setTimeout(() => resolve('open'), 300)),
          ]);
          stream.dispose();
          code = /FORBIDDEN|UNAUTHENTICATED/.test(outcome) ? 'FORBIDDEN' : undefined;
        } else if (field.startsWith('Mutation.')) {
          // A refused mutation answers with a typed ForbiddenError saying what it needs.
          const typed = operation.replace('{ __typename }', '{ __typename ... on ForbiddenError { code message requiredRole } }');
          const result = await server.gql(typed, variables, caller === 'anonymous' ? undefined : token);
          expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
          const answer = Object.values(result.data ?? {})[0] as { __typename: string; code?: string; requiredRole?: string };
          code = answer.__typename === 'ForbiddenError' ? answer.code : undefined;
          if (!expected) {
            expect(answer).toMatchObject({ code: caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN', requiredRole: access });
          }
        } else {
          const result = await server.gql(operation, variables, caller === 'anonymous' ? undefined : token);
          code = result.errors?.find((error) => ['FORBIDDEN', 'UNAUTHENTICATED'].includes(error.extensions?.code ?? ''))?.extensions?.code;
          if (!expected) expect(code).toBe(caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        }
        if (expected) expect(code).toBeUndefined();
        else expect(code).toBeDefined();
      });
    }
  }

  it('audits every refused mutation with the caller and the arguments', async () => {
    const [{ last }] = await server.database.db.select({ last: max(auditLog.id) }).from(auditLog);
    await server.gql('mutation { createCluster(input: { name: "sneaky", productKind: "x" }) { __typename } }', {}, tokens.operator);
    await server.gql('mutation { deleteCluster(id: "00000000-0000-4000-8000-000000000000") { __typename } }');
    const rows = await server.database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, last ?? 0))
      .orderBy(asc(auditLog.id));
    expect(rows.map((row) => [row.action, row.actorName, row.result, row.errorCode])).toEqual([
      ['cluster.create', 'operator', 'DENIED', 'FORBIDDEN'],
      ['cluster.delete', 'anonymous', 'DENIED', 'UNAUTHENTICATED'],
    ]);
    expect(rows[0].args).toEqual({ input: { name: 'sneaky', productKind: 'x' } });
  });
});
