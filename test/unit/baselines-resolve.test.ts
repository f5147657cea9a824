import { describe, expect, it } from 'vitest';
import { resolveDesired } from '../../api/src/modules/baselines/baselines.resolve.ts';
import { targetRank, targetSelects } from '../../api/src/modules/targets/targets.rules.ts';

const item = (id: string, kind = 'PATCH', name = 'fix.jar') => ({ id, kind, name });
const claim = (baseline: string, rank: number, claimed: ReturnType<typeof item>) => ({ baseline: { id: baseline, name: baseline }, rank, item: claimed });

describe('resolveDesired', () => {
  it('lets the most specific claim decide each kind and name', () => {
    const { desired, conflicts } = resolveDesired([claim('all', 0, item('v1')), claim('tag', 1, item('v2')), claim('cluster', 2, item('v3'))]);
    expect(desired.map((each) => [each.baseline.name, each.item.id])).toEqual([['cluster', 'v3']]);
    expect(conflicts).toEqual([]);
  });

  it('keys on kind and name: a patch and a config of one name are different things', () => {
    const { desired } = resolveDesired([claim('a', 0, item('p', 'PATCH', 'x')), claim('b', 0, item('c', 'CONFIG', 'x'))]);
    expect(desired.map((each) => each.item.id)).toEqual(['c', 'p']);
  });

  it('agrees when equally specific claims want the same item', () => {
    const { desired, conflicts } = resolveDesired([claim('dc1', 1, item('v2')), claim('web', 1, item('v2'))]);
    expect(desired.map((each) => each.item.id)).toEqual(['v2']);
    expect(conflicts).toEqual([]);
  });

  it('reports a conflict, and applies neither, when equally specific claims disagree', () => {
    const { desired, conflicts } = resolveDesired([claim('all', 0, item('v1')), claim('dc1', 1, item('v2')), claim('web', 1, item('v3'))]);
    expect(desired).toEqual([]);
    expect(conflicts).toEqual([
      {
        kind: 'PATCH',
        name: 'fix.jar',
        claims: [
          { baseline: { id: 'dc1', name: 'dc1' }, item: item('v2') },
          { baseline: { id: 'web', name: 'web' }, item: item('v3') },
        ],
      },
    ]);
  });
});

describe('targetSelects and targetRank', () => {
  const node = { nodeId: 'n1', clusterId: 'c1', tags: ['cluster:web', 'role:worker', 'datacenter 1'] };

  it.each([
    [{ kind: 'ALL' as const }, true],
    [{ kind: 'CLUSTERS' as const, clusterIds: ['c1'] }, true],
    [{ kind: 'CLUSTERS' as const, clusterIds: ['c2'] }, false],
    [{ kind: 'NODES' as const, nodeIds: ['n1'] }, true],
    [{ kind: 'TAGS' as const, tags: ['datacenter 1', 'role:worker'], match: 'ALL' as const }, true],
    [{ kind: 'TAGS' as const, tags: ['datacenter 1', 'role:manager'], match: 'ALL' as const }, false],
    [{ kind: 'TAGS' as const, tags: ['datacenter 2', 'role:worker'], match: 'ANY' as const }, true],
  ])('%j selects the node: %s', (target, expected) => {
    expect(targetSelects(target, node)).toBe(expected);
  });

  it('ranks named nodes over clusters over tags over the whole system', () => {
    const ranks = [
      { kind: 'ALL' as const },
      { kind: 'TAGS' as const, tags: ['x'], match: 'ALL' as const },
      { kind: 'CLUSTERS' as const, clusterIds: [] },
      { kind: 'NODES' as const, nodeIds: [] },
    ].map(targetRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(4);
  });
});
