import type { Client } from '@urql/core';
import { ClustersQuery } from '$lib/clusters/clusters.graphql';
import { fetchAllPages, fetchQuery } from '$lib/graphql/request';

/** Stored targets name clusters by id; pages show their names. */
export async function fetchClusterNames(client: Client): Promise<ReadonlyMap<string, string>> {
  const clusters = await fetchAllPages(async (after) => (await fetchQuery(client, ClustersQuery, { after, orderBy: 'NAME' })).clusters);
  return new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
}
