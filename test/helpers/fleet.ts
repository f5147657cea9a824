import { ok } from './gql.ts';
import type { TestServer } from './server.ts';

/** A cluster with an enrolled manager, driven through the API the way a manager agent drives it. */
export interface ScriptedManager {
  clusterId: string;
  clusterName: string;
  managerName: string;
  managerNodeId: string;
  credential: string;
  sequence: number;
  report(workers: string[]): Promise<any>;
  beat(entries: { name?: string; nodeId?: string; state?: string; stats?: Record<string, number> }[], options?: { withManager?: boolean }): Promise<any>;
}

export async function createCluster(server: TestServer, name: string, productKind = 'application-server', tags: string[] = []) {
  const result = await server.gql(
    `mutation($input: CreateClusterInput!) { createCluster(input: $input) { __typename ... on Cluster { id name } ... on Error { code message } } }`,
    { input: { name, productKind, tags } },
    server.adminToken,
  );
  const cluster = ok<any>(result).createCluster;
  if (cluster.__typename !== 'Cluster') throw new Error(`createCluster failed: ${JSON.stringify(cluster)}`);
  return cluster as { id: string; name: string };
}

export async function enrollmentToken(server: TestServer, cluster: string, expiresInSeconds?: number) {
  const result = await server.gql(
    `mutation($cluster: String!, $ttl: Int) { createEnrollmentToken(cluster: $cluster, expiresInSeconds: $ttl) { __typename ... on EnrollmentToken { token } ... on Error { code } } }`,
    { cluster, ttl: expiresInSeconds },
    server.adminToken,
  );
  return ok<any>(result).createEnrollmentToken.token as string;
}

export const REGISTER = `mutation($input: RegisterManagerInput!) {
  registerManager(input: $input) {
    __typename
    ... on ManagerRegistration { credential clusterId nodeId heartbeatIntervalMs }
    ... on Error { code message }
  }
}`;

export const REPORT = `mutation($input: MembershipInput!) {
  reportMembership(input: $input) {
    __typename
    ... on MembershipReceipt { joined rejoined updated left unchanged }
    ... on Error { code message }
  }
}`;

export const BEAT = `mutation($input: HeartbeatBatchInput!) {
  sendHeartbeats(input: $input) {
    __typename
    ... on HeartbeatReceipt { accepted stale refused { index node code message } }
    ... on Error { code message }
  }
}`;

export async function enrollManager(
  server: TestServer,
  clusterName: string,
  options: { productKind?: string; tags?: string[]; workers?: string[] } = {},
): Promise<ScriptedManager> {
  const cluster = await createCluster(server, clusterName, options.productKind, options.tags);
  const token = await enrollmentToken(server, clusterName);
  const managerName = `${clusterName}-manager`;
  const registration = ok<any>(
    await server.gql(REGISTER, { input: { enrollmentToken: token, cluster: clusterName, manager: { name: managerName, address: '10.0.0.1:9000' } } }),
  ).registerManager;
  if (registration.__typename !== 'ManagerRegistration') throw new Error(`registration failed: ${JSON.stringify(registration)}`);
  const manager: ScriptedManager = {
    clusterId: cluster.id,
    clusterName,
    managerName,
    managerNodeId: registration.nodeId,
    credential: registration.credential,
    sequence: 0,
    async report(workers) {
      return ok<any>(await server.gql(REPORT, { input: { snapshot: workers.map((name) => ({ name, address: `${name}:8080` })) } }, manager.credential))
        .reportMembership;
    },
    async beat(entries, { withManager = true } = {}) {
      manager.sequence += 1;
      const all = withManager ? [{ name: managerName, state: 'HEALTHY' }, ...entries] : entries;
      return ok<any>(
        await server.gql(
          BEAT,
          {
            input: {
              sequence: manager.sequence,
              entries: all.map(({ stats, ...entry }: { stats?: Record<string, number> }) => ({ state: 'HEALTHY', ...entry, ...stats })),
            },
          },
          manager.credential,
        ),
      ).sendHeartbeats;
    },
  };
  if (options.workers) await manager.report(options.workers);
  return manager;
}

export async function statusOf(server: TestServer, clusterName: string): Promise<Record<string, string>> {
  const result = ok<any>(
    await server.gql(
      `query($name: String!) { cluster(name: $name) { nodes(first: 100) { nodes { name status statusCause } } } }`,
      { name: clusterName },
      server.adminToken,
    ),
  );
  return Object.fromEntries(result.cluster.nodes.nodes.map((node: any) => [node.name, node.status]));
}
