import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, enrollManager } from '../helpers/fleet.ts';
import { ok } from '../helpers/gql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('the clusters query', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await enrollManager(server, 'web', { workers: ['web-1', 'web-2'], tags: ['datacenter 1'] });
    await enrollManager(server, 'esb', { productKind: 'esb', workers: ['esb-1'], tags: ['datacenter 1'] });
    await createCluster(server, 'empty', 'esb', ['datacenter 2']);
    const ids = Object.fromEntries(
      ok<any>(await server.gql('{ nodes(first: 10, target: { clusters: ["web"] }) { nodes { id name } } }', {}, server.adminToken)).nodes.nodes.map(
        (node: any) => [node.name, node.id],
      ),
    );
    const tagged = ok<any>(
      await server.gql(
        'mutation($ids: [ID!]) { addTags(input: { nodeIds: $ids, tags: ["rack 7"] }) { __typename } }',
        { ids: [ids['web-2']] },
        server.adminToken,
      ),
    );
    expect(tagged.addTags.__typename).toBe('TagChange');
  });
  afterAll(() => server.stop());

  const withTags = async (tags: string[]) =>
    ok<any>(
      await server.gql('query($tags: [String!]) { clusters(first: 10, filter: { tags: $tags }) { nodes { name } } }', { tags }, server.adminToken),
    ).clusters.nodes.map((cluster: any) => cluster.name);

  it('filters by tag: a cluster matches when it or any of its nodes has the tag', async () => {
    expect(await withTags(['rack 7'])).toEqual(['web']);
    expect(await withTags(['Rack  7'])).toEqual(['web']);
    expect(await withTags(['datacenter 1'])).toEqual(['esb', 'web']);
    // Every tag must match, each on the cluster or on some node of it.
    expect(await withTags(['datacenter 1', 'rack 7'])).toEqual(['web']);
    expect(await withTags(['datacenter 2', 'rack 7'])).toEqual([]);
  });

  it('filters by the implicit groups, role: included', async () => {
    expect(await withTags(['product:esb'])).toEqual(['empty', 'esb']);
    expect(await withTags(['cluster:web'])).toEqual(['web']);
    expect(await withTags(['role:worker'])).toEqual(['esb', 'web']);
    expect(await withTags(['role:manager', 'product:esb'])).toEqual(['esb']);
  });
});
