import { isUuid, truncate } from '../../shared/validation.ts';
import { normalizeTag } from '../tags/tags.rules.ts';
import { InvalidTargetError } from './targets.errors.ts';
import type { Target, TargetInput, TargetLookup } from './targets.types.ts';

const MAX_ITEMS = 1000;

function checkList(list: readonly string[], what: string): string[] {
  if (list.length === 0) throw new InvalidTargetError(`The target lists no ${what}; give at least one.`);
  if (list.length > MAX_ITEMS) throw new InvalidTargetError(`A target may list at most ${MAX_ITEMS} ${what}.`);
  return [...new Set(list)];
}

export class TargetsService {
  constructor(private readonly lookup: TargetLookup) {}

  /** Checks that exactly one way of choosing nodes is given and that everything it names exists. */
  async normalize(input: TargetInput): Promise<Target> {
    const given = (['all', 'clusters', 'tags', 'nodes'] as const).filter((key) => input[key] !== null && input[key] !== undefined);
    if (given.length !== 1)
      throw new InvalidTargetError(
        given.length === 0
          ? 'The target is empty; give exactly one of all, clusters, tags or nodes.'
          : `The target gives ${given.join(' and ')}; give exactly one of all, clusters, tags or nodes.`,
      );
    if (input.all !== null && input.all !== undefined) {
      if (input.all !== true) throw new InvalidTargetError('Use all: true to target the whole system.');
      return { kind: 'ALL' };
    }
    if (input.clusters) return { kind: 'CLUSTERS', clusterIds: await this.#clusterIds(checkList(input.clusters, 'clusters')) };
    if (input.nodes) {
      const ids = checkList(input.nodes, 'nodes');
      const malformed = ids.find((id) => !isUuid(id));
      if (malformed) throw new InvalidTargetError(`"${truncate(malformed)}" is not a node id.`);
      const lowered = ids.map((id) => id.toLowerCase());
      const existing = await this.lookup.existingNodeIds(lowered);
      const missing = lowered.filter((id) => !existing.has(id));
      if (missing.length > 0) throw new InvalidTargetError(`No node with id ${missing.slice(0, 5).join(', ')}.`);
      return { kind: 'NODES', nodeIds: lowered };
    }
    const selector = input.tags as NonNullable<TargetInput['tags']>;
    const tags = checkList(selector.tags, 'tags').map((tag) => {
      try {
        return normalizeTag(tag);
      } catch (error) {
        throw new InvalidTargetError((error as Error).message);
      }
    });
    const badRole = tags.find((tag) => tag.startsWith('role:') && !['role:manager', 'role:worker'].includes(tag));
    if (badRole) throw new InvalidTargetError(`"${badRole}" is not a role group; use role:manager or role:worker.`);
    return { kind: 'TAGS', tags: [...new Set(tags)], match: selector.match ?? 'ALL' };
  }

  /** The ids of clusters named by id or name; refuses names of clusters that do not exist. */
  clusterIds(references: readonly string[]): Promise<string[]> {
    return this.#clusterIds(checkList(references, 'clusters'));
  }

  async #clusterIds(references: string[]): Promise<string[]> {
    const ids = references.filter(isUuid).map((id) => id.toLowerCase());
    const names = references.filter((reference) => !isUuid(reference));
    const found = await this.lookup.clustersByIdOrName(ids, names);
    const known = new Set(found.flatMap((cluster) => [cluster.id, cluster.name]));
    const missing = references.filter((reference) => !known.has(isUuid(reference) ? reference.toLowerCase() : reference));
    if (missing.length > 0)
      throw new InvalidTargetError(
        `No cluster named or with id ${missing
          .slice(0, 5)
          .map((m) => `"${truncate(m)}"`)
          .join(', ')}.`,
      );
    return [...new Set(found.map((cluster) => cluster.id))];
  }
}
