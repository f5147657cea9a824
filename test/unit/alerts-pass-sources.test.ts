import { describe, expect, it } from 'vitest';
import { type AlertSources, sourcesForPass } from '../../api/src/modules/alerts/alerts.conditions.ts';

describe('the sources of one evaluation pass', () => {
  it('works out each node’s drift once however many drift rules cover it, in the order asked', async () => {
    const asked: string[][] = [];
    const counts: Record<string, number> = { a: 0, b: 2, c: 1 };
    const sources = sourcesForPass({
      filesOutOfSync: async (nodeIds: readonly string[]) => {
        asked.push([...nodeIds]);
        return nodeIds.map((id) => counts[id]);
      },
    } as AlertSources);
    expect(await sources.filesOutOfSync(['a', 'b'])).toEqual([0, 2]);
    expect(await sources.filesOutOfSync(['c', 'b', 'a'])).toEqual([1, 2, 0]);
    expect(await sources.filesOutOfSync(['b'])).toEqual([2]);
    expect(asked).toEqual([['a', 'b'], ['c']]);
  });
});
