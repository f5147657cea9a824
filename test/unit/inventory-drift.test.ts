import { describe, expect, it } from 'vitest';
import { deriveDrift } from '../../api/src/modules/inventory/inventory.drift.ts';

const file = (name: string, sha256: string, kind = 'PATCH') => ({ kind, name, sha256 });

describe('deriveDrift', () => {
  it.each([
    ['the wanted bytes installed and loaded', [file('a.jar', 'h1')], [file('a.jar', 'h1')], 'IN_SYNC'],
    ['the wanted bytes installed, the old ones still loaded', [file('a.jar', 'h1')], [file('a.jar', 'h0')], 'INSTALLED_NOT_LOADED'],
    ['the wanted bytes installed, nothing loaded yet', [file('a.jar', 'h1')], [], 'INSTALLED_NOT_LOADED'],
  ])('%s: %s', (_case, installed, loaded, state) => {
    expect(deriveDrift([file('a.jar', 'h1')], installed, loaded).map((drift) => drift.state)).toEqual([state]);
  });

  it('says DIFFERENT when other bytes are installed under the wanted name, even if they are loaded', () => {
    expect(deriveDrift([file('a.jar', 'h1')], [file('a.jar', 'hx')], [file('a.jar', 'hx')])).toEqual([
      { kind: 'PATCH', name: 'a.jar', state: 'DIFFERENT', wanted: file('a.jar', 'h1'), installedSha256: 'hx' },
    ]);
  });

  it('says MISSING for a wanted file not installed, and UNEXPECTED for an installed file nobody wants', () => {
    expect(deriveDrift([file('a.jar', 'h1')], [file('b.jar', 'h2')], [file('b.jar', 'h2')])).toEqual([
      { kind: 'PATCH', name: 'a.jar', state: 'MISSING', wanted: file('a.jar', 'h1'), installedSha256: null },
      { kind: 'PATCH', name: 'b.jar', state: 'UNEXPECTED', wanted: null, installedSha256: 'h2' },
    ]);
  });

  it('keys on kind and name: a patch and a config file of one name are compared apart', () => {
    const drift = deriveDrift([file('x', 'h1', 'CONFIG')], [file('x', 'h1', 'PATCH')], []);
    expect(drift.map((each) => [each.kind, each.state])).toEqual([
      ['CONFIG', 'MISSING'],
      ['PATCH', 'UNEXPECTED'],
    ]);
  });
});
