export type TagMatch = 'ALL' | 'ANY';

/** A Target as a client sends it: exactly one of the four ways to choose nodes. */
export interface TargetInput {
  all?: boolean | null;
  clusters?: readonly string[] | null;
  tags?: { tags: readonly string[]; match?: TagMatch | null } | null;
  nodes?: readonly string[] | null;
}

/** A validated Target: cluster names resolved to ids, tags normalised. Stored as-is with operations. */
export type Target =
  | { kind: 'ALL' }
  | { kind: 'CLUSTERS'; clusterIds: string[] }
  | { kind: 'TAGS'; tags: string[]; match: TagMatch }
  | { kind: 'NODES'; nodeIds: string[] };

/**
 * What checking a target reads: which clusters and nodes exist. Clusters and nodes sit above
 * targets (they are listed by target), so the composition root hands this in.
 */
export interface TargetLookup {
  clustersByIdOrName(ids: string[], names: string[]): Promise<{ id: string; name: string }[]>;
  existingNodeIds(ids: string[]): Promise<Set<string>>;
}
