import { truncate } from '../../shared/validation.ts';
import { InvalidTagError } from './tags.errors.ts';
import type { TaggedCluster } from './tags.types.ts';

/** Implicit groups every node belongs to; users cannot create tags with these prefixes. */
export const IMPLICIT_PREFIXES = ['cluster:', 'product:', 'role:'] as const;
export const TAG_MAX = 64;
const TAG = /^[a-z0-9][a-z0-9 ._:/-]*$/;

/** Tags are case-insensitive and whitespace-normalised: "Datacenter  1" is "datacenter 1". */
export function normalizeTag(raw: string): string {
  const tag = raw.trim().replace(/\s+/g, ' ').toLowerCase();
  if (tag.length === 0) throw new InvalidTagError('A tag must not be empty.');
  if (tag.length > TAG_MAX) throw new InvalidTagError(`A tag must be at most ${TAG_MAX} characters.`);
  if (!TAG.test(tag))
    throw new InvalidTagError(`The tag "${truncate(tag, TAG_MAX)}" may use only letters, digits, spaces and . _ : / -, starting with a letter or digit.`);
  return tag;
}

/** A tag a user may attach; implicit group names are reserved. */
export function validateUserTags(raw: readonly string[]): string[] {
  if (raw.length === 0) throw new InvalidTagError('Give at least one tag.');
  if (raw.length > 50) throw new InvalidTagError('At most 50 tags can be changed at once.');
  const tags = raw.map(normalizeTag);
  const reserved = tags.find((tag) => IMPLICIT_PREFIXES.some((prefix) => tag.startsWith(prefix)));
  if (reserved) throw new InvalidTagError(`"${reserved}" is an implicit group; tags starting with ${IMPLICIT_PREFIXES.join(', ')} are reserved.`);
  return [...new Set(tags)];
}

/**
 * The tags a node or cluster carries: its implicit groups, its cluster's tags and, for a node,
 * its own. Node pages, topology and status events and subscription filters all use this one
 * answer, so a filter on a cluster's tag sees every event of that cluster.
 */
export function effectiveTags(
  cluster: Pick<TaggedCluster, 'name' | 'productKind'> & { tags: readonly string[] },
  node?: { role: string; tags: readonly string[] },
): string[] {
  const groups = [`cluster:${cluster.name.toLowerCase()}`, `product:${cluster.productKind.toLowerCase()}`];
  if (!node) return [...groups, ...cluster.tags];
  return [...groups, `role:${node.role.toLowerCase()}`, ...cluster.tags, ...node.tags];
}
