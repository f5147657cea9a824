import { describe, expect, it, vi } from 'vitest';
import { DEMO_LIVENESS, secondsUntilDown } from '../../agent/src/demo/demo.ts';
import { formatDuration, parseDuration } from '../../agent/src/shared/duration.ts';
import { counted } from '../../agent/src/shared/text.ts';
import { followHeadline } from '../../api/src/commands/op.format.ts';
import { nodeStats } from '../../api/src/modules/liveness/liveness.table.ts';
import { normalizeTag, validateUserTags } from '../../api/src/modules/tags/tags.rules.ts';
import { insertBatches, MAX_STATEMENT_PARAMETERS } from '../../api/src/shared/batching.ts';
import { checkPage, encodeCursor } from '../../api/src/shared/pagination.ts';
import { redact } from '../../api/src/shared/secrets.ts';
import { SerialPass } from '../../api/src/shared/serial-pass.ts';
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

  it('redacts any depth of input without recursion, summarising what is nested too deeply, keys included', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let level = 0; level < 100_000; level += 1) deep = { nested: deep };
    let shown = redact({ deep }) as Record<string, unknown>;
    let levels = 0;
    while (typeof shown === 'object' && shown !== null) {
      shown = (shown.deep ?? shown.nested) as Record<string, unknown>;
      levels += 1;
    }
    expect(shown).toBe('[nested too deeply]');
    expect(levels).toBe(10);
    expect(redact({ 'k\u0001': 'v', list: Array.from({ length: 500 }, () => 1) })).toEqual({ 'k\\u0001': 'v', list: Array.from({ length: 100 }, () => 1) });
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

  it('counts in words that agree with the number', () => {
    expect(counted(1, 'node')).toBe('1 node');
    expect(counted(0, 'node')).toBe('0 nodes');
    expect(counted(3, 'batch', 'batches')).toBe('3 batches');
    expect(followHeadline({ id: 'op-1', kind: 'RESTART', state: 'RUNNING', stateReason: 'running' }, 1, 1)).toBe(
      'Following operation op-1: RESTART of 1 node in 1 batch, RUNNING: running',
    );
    expect(followHeadline({ id: 'op-2', kind: 'ROLLING_RESTART', state: 'PENDING', stateReason: 'queued' }, 3, 2)).toMatch(
      /ROLLING_RESTART of 3 nodes in 2 batches,/,
    );
  });

  it('tells the demo user when a killed worker turns DOWN, from the liveness settings the demo uses', () => {
    // Heartbeats every 2 s, DOWN after failures reported across 3 intervals: measured with the demo at 7.3 to 8.5 s.
    expect(secondsUntilDown(DEMO_LIVENESS)).toBe(8);
    expect(secondsUntilDown({ ...DEMO_LIVENESS, OPSCENTER_HEARTBEAT_INTERVAL: '5s', OPSCENTER_SUSPECT_AFTER: '2' })).toBe(15);
  });

  it('gives a caller asking during a pass the next pass, one at a time, shared by everyone asking meanwhile', async () => {
    let clock = 0;
    const seen: number[] = [];
    const releases: (() => void)[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const passes = new SerialPass(
      async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        seen.push(clock);
        await new Promise<void>((release) => releases.push(release));
        running -= 1;
      },
      () => {},
    );
    const first = passes.run();
    clock = 1;
    const second = passes.run();
    const third = passes.run();
    expect(third).toBe(second);
    expect(seen).toEqual([0]);
    releases.shift()?.();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([0, 1]);
    releases.shift()?.();
    await second;
    expect(mostAtOnce).toBe(1);
  });

  it('runs the next pass after one that failed', async () => {
    let calls = 0;
    const passes = new SerialPass(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first pass fails');
      },
      () => {},
    );
    const failing = passes.run();
    const next = passes.run();
    await expect(failing).rejects.toThrow('first pass fails');
    await next;
    expect(calls).toBe(2);
    await passes.stop();
  });

  it('hands a pass its timer started and that failed to onError, instead of leaving the rejection unhandled', async () => {
    vi.useFakeTimers();
    try {
      const failures: unknown[] = [];
      const passes = new SerialPass(
        async () => {
          throw new Error('database away');
        },
        (error) => failures.push(error),
      );
      passes.every(1000);
      await vi.advanceTimersByTimeAsync(1000);
      expect(failures).toEqual([new Error('database away')]);
      await passes.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
