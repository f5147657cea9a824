import { describe, expect, it } from 'vitest';
import { effectiveTags, normalizeTag, TAG_MAX, validateUserTags } from '../../api/src/modules/tags/tags.rules.ts';

describe('normalizeTag', () => {
  it('lower-cases, trims and folds runs of whitespace', () => {
    expect(normalizeTag('  Datacenter \t  1 ')).toBe('datacenter 1');
    expect(normalizeTag('Rack/7:B_x.y-z')).toBe('rack/7:b_x.y-z');
  });

  it('refuses empty, over-long and badly formed tags with the rule they break', () => {
    expect(() => normalizeTag('   ')).toThrow(/must not be empty/);
    expect(normalizeTag('a'.repeat(TAG_MAX))).toHaveLength(TAG_MAX);
    expect(() => normalizeTag('a'.repeat(TAG_MAX + 1))).toThrow(/at most 64 characters/);
    for (const bad of ['-leading', '.dot', 'semi;colon', 'quote"', 'é', 'tab\u202eflip']) {
      expect(() => normalizeTag(bad), bad).toThrow(/may use only letters, digits/);
    }
  });

  it('raises a typed error on the tags field', () => {
    expect(() => normalizeTag('')).toThrow(expect.objectContaining({ code: 'INVALID_TAG', field: 'tags' }));
  });
});

describe('validateUserTags', () => {
  it('normalises and removes duplicates, keeping first-seen order', () => {
    expect(validateUserTags(['B', 'a', 'b', ' A '])).toEqual(['b', 'a']);
  });

  it('reserves the implicit groups, whatever their case', () => {
    for (const reserved of ['cluster:web', 'Product:esb', 'ROLE:worker']) expect(() => validateUserTags([reserved])).toThrow(/implicit group/);
    expect(validateUserTags(['clusters:web', 'roles'])).toEqual(['clusters:web', 'roles']);
  });

  it('takes one to fifty tags at once', () => {
    expect(() => validateUserTags([])).toThrow(/at least one/);
    expect(validateUserTags(Array.from({ length: 50 }, (_, index) => `t${index}`))).toHaveLength(50);
    expect(() => validateUserTags(Array.from({ length: 51 }, (_, index) => `t${index}`))).toThrow(/At most 50/);
  });
});

describe('effectiveTags', () => {
  const cluster = { name: 'Web-EU', productKind: 'API-Manager', tags: ['datacenter 1'] };

  it('gives a node its implicit groups (lower-cased), then its cluster’s tags, then its own', () => {
    expect(effectiveTags(cluster, { role: 'MANAGER', tags: ['rack 7'] })).toEqual([
      'cluster:web-eu',
      'product:api-manager',
      'role:manager',
      'datacenter 1',
      'rack 7',
    ]);
  });

  it('gives a cluster its implicit groups and its own tags, with no role', () => {
    expect(effectiveTags(cluster)).toEqual(['cluster:web-eu', 'product:api-manager', 'datacenter 1']);
  });
});
