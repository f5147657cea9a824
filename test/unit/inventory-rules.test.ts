import { describe, expect, it } from 'vitest';
import { combine, diffInventory, type ItemState } from '../../api/src/modules/inventory/inventory.rules.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const at = new Date('2026-12-01T10:00:00Z');

describe('combine', () => {
  it('marks an installed item loaded only when the process loaded the same hash', () => {
    const items = combine(
      [
        { kind: 'PATCH', name: 'same.jar', sha256: A, size: 1, modifiedAt: at },
        { kind: 'PATCH', name: 'changed.jar', sha256: B, size: 2, modifiedAt: at },
        { kind: 'CONFIG', name: 'new.xml', sha256: A, size: 3, modifiedAt: null },
      ],
      [
        { kind: 'PATCH', name: 'same.jar', sha256: A },
        { kind: 'PATCH', name: 'changed.jar', sha256: A },
        { kind: 'ARTIFACT', name: 'same.jar', sha256: A },
      ],
    );
    expect(items.map(({ kind, name, installed, loaded, sha256, size }) => [kind, name, installed, loaded, sha256 === A ? 'A' : 'B', size])).toEqual([
      ['ARTIFACT', 'same.jar', false, true, 'A', null],
      ['CONFIG', 'new.xml', true, false, 'A', 3],
      ['PATCH', 'changed.jar', true, false, 'B', 2],
      ['PATCH', 'same.jar', true, true, 'A', 1],
    ]);
  });
});

describe('diffInventory', () => {
  const item = (name: string, change: Partial<ItemState> = {}): ItemState => ({
    kind: 'PATCH',
    name,
    sha256: A,
    size: 1,
    modifiedAt: at,
    installed: true,
    loaded: true,
    ...change,
  });

  it('finds nothing to do for the same items, whatever their order', () => {
    expect(diffInventory([item('x'), item('y')], [item('y'), item('x', { modifiedAt: new Date(at.getTime()) })])).toEqual({ upserts: [], removals: [] });
  });

  it('writes new and changed items and removes the ones no longer reported', () => {
    const { upserts, removals } = diffInventory(
      [item('kept'), item('rehashed'), item('reloaded'), item('touched'), item('gone'), item('gone', { kind: 'CONFIG' })],
      [item('kept'), item('rehashed', { sha256: B }), item('reloaded', { loaded: false }), item('touched', { modifiedAt: null }), item('new')],
    );
    expect(upserts.map((entry) => entry.name)).toEqual(['rehashed', 'reloaded', 'touched', 'new']);
    expect(removals).toEqual([
      { kind: 'PATCH', name: 'gone' },
      { kind: 'CONFIG', name: 'gone' },
    ]);
  });

  it('keys items by kind and name: a patch and an artifact of one name are two items', () => {
    expect(diffInventory([item('x')], [item('x'), item('x', { kind: 'ARTIFACT' })]).upserts).toEqual([item('x', { kind: 'ARTIFACT' })]);
  });
});
