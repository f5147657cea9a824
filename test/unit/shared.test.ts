import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../agent/src/shared/duration.ts';
import { nodeStats } from '../../api/src/modules/heartbeats/heartbeats.table.ts';
import { normalizeTag, validateUserTags } from '../../api/src/modules/tags/tags.rules.ts';
import { insertBatches, MAX_STATEMENT_PARAMETERS } from '../../api/src/shared/batching.ts';
import { checkPage, encodeCursor } from '../../api/src/shared/pagination.ts';
import { redact } from '../../api/src/shared/secrets.ts';
import { validateName } from '../../api/src/shared/validation.ts';

describe('shared rules', () => {
  it('normalises tags and reserves implicit groups', () => {
    expect(normalizeTag('  Datacenter   1 ')).toBe('datacenter 1');
    expect(validateUserTags(['A', 'a', 'rack/7'])).toEqual(['a', 'rack/7']);
    expect(() => validateUserTags(['role:worker'])).toThrow(/reserved/);
    expect(() => validateUserTags([])).toThrow(/at least one/);
  });

  it('accepts host-like names only', () => {
    expect(validateName('as-worker-01.dc1')).toBe('as-worker-01.dc1');
    for (const bad of ['', '-lead', 'has space', 'é', 'x'.repeat(64), 'a\u202eb']) expect(() => validateName(bad)).toThrow();
  });

  it('splits a multi-row insert so that no statement exceeds the parameter limit, keeping every row in order', () => {
    const rows = Array.from({ length: 20_000 }, (_, index) => index);
    const batches = insertBatches(nodeStats, rows);
    // node_stats has 7 columns: at most 7 parameters a row.
    expect(batches.every((batch) => batch.length * 7 <= MAX_STATEMENT_PARAMETERS)).toBe(true);
    expect(batches[0].length).toBe(Math.floor(MAX_STATEMENT_PARAMETERS / 7));
    expect(batches.flat()).toEqual(rows);
    expect(insertBatches(nodeStats, [])).toEqual([]);
  });

  it('round-trips cursors and refuses foreign ones', () => {
    expect(checkPage({ first: 10, after: encodeCursor(['a', 1]) }, 2)).toEqual({ first: 10, after: ['a', 1] });
    expect(() => checkPage({ first: 10, after: encodeCursor(['a']) }, 2)).toThrow(/cursor/);
    expect(() => checkPage({ first: 10, after: '%%%' }, 2)).toThrow(/cursor/);
  });

  it('redacts secrets at any depth and neutralises control characters', () => {
    expect(redact({ username: 'a', password: 'p', input: { enrollmentToken: 't', name: 'x\u0000y' } })).toEqual({
      username: 'a',
      password: '[redacted]',
      input: { enrollmentToken: '[redacted]', name: 'x\\u0000y' },
    });
  });

  it('reads and writes durations exactly', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('90')).toBe(90);
    for (const bad of ['', 'soon', '5 s', '-5s', '5x']) expect(parseDuration(bad)).toBeNull();
    expect(formatDuration(585_000)).toBe('9m45s');
    expect(formatDuration(90_061_001)).toBe('1d1h1m1s1ms');
    expect(formatDuration(0)).toBe('0s');
    expect(parseDuration(formatDuration(123_456_789))).toBe(123_456_789);
  });
});
