import type { Executor } from '../../db/client.ts';

export interface TaggedCluster {
  id: string;
  name: string;
  productKind: string;
}

export interface TaggedNode {
  id: string;
  name: string;
  role: 'MANAGER' | 'WORKER';
  clusterId: string;
}

/**
 * How the tags module reads the nodes and clusters it tags. The nodes and clusters modules sit
 * above tags (they show tags and announce them), so they hand this in rather than being imported.
 */
export interface TagSubjects {
  nodes(db: Executor, ids: readonly string[]): Promise<TaggedNode[]>;
  clusters(db: Executor, ids: readonly string[]): Promise<TaggedCluster[]>;
}
