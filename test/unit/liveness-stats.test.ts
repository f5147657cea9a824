import { describe, expect, it } from 'vitest';
import { hasStats, StatsAccumulator } from '../../api/src/modules/liveness/liveness.stats.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T10:00:00Z');

describe('StatsAccumulator', () => {
  it('averages each measurement over the samples that carried it, one row per node and minute', () => {
    const stats = new StatsAccumulator();
    stats.add('n1', { cpuPercent: 10, memoryBytes: 100, load1: 1 }, T0);
    stats.add('n1', { cpuPercent: 30, memoryBytes: 201 }, T0 + 20_000);
    stats.add('n1', { cpuPercent: 20, diskPercent: null }, T0 + 59_999);
    expect(stats.takeComplete(T0 + MINUTE)).toEqual([
      { nodeId: 'n1', minute: new Date(T0), cpuPercent: 20, memoryBytes: 151, load1: 1, diskPercent: null, samples: 3 },
    ]);
    expect(stats.takeComplete()).toEqual([]);
  });

  it('keeps a minute open until it has ended', () => {
    const stats = new StatsAccumulator();
    stats.add('n1', { cpuPercent: 50 }, T0 + 30_000);
    expect(stats.takeComplete(T0 + MINUTE - 1)).toEqual([]);
    expect(stats.takeComplete(T0 + MINUTE)).toHaveLength(1);
  });

  it('closes a node’s minute when its next sample falls in a later one', () => {
    const stats = new StatsAccumulator();
    stats.add('n1', { cpuPercent: 10 }, T0);
    stats.add('n1', { cpuPercent: 90 }, T0 + 2 * MINUTE);
    expect(stats.takeComplete(T0 + 2 * MINUTE).map((row) => [row.minute.getTime(), row.cpuPercent])).toEqual([[T0, 10]]);
    expect(stats.takeComplete().map((row) => [row.minute.getTime(), row.cpuPercent])).toEqual([[T0 + 2 * MINUTE, 90]]);
  });

  it('keeps nodes apart and forgets a node on request', () => {
    const stats = new StatsAccumulator();
    stats.add('n1', { cpuPercent: 10 }, T0);
    stats.add('n2', { cpuPercent: 70 }, T0);
    stats.add('n3', { cpuPercent: 40 }, T0);
    stats.forget('n3');
    expect(stats.takeComplete().map((row) => [row.nodeId, row.cpuPercent])).toEqual([
      ['n1', 10],
      ['n2', 70],
    ]);
  });

  it('counts a sample without measurements, leaving every average empty', () => {
    const stats = new StatsAccumulator();
    stats.add('n1', {}, T0);
    expect(stats.takeComplete()).toEqual([
      { nodeId: 'n1', minute: new Date(T0), cpuPercent: null, memoryBytes: null, load1: null, diskPercent: null, samples: 1 },
    ]);
  });
});

describe('hasStats', () => {
  it('is true when any measurement is present, uptime included', () => {
    expect(hasStats({})).toBe(false);
    expect(hasStats({ cpuPercent: null, load1: undefined })).toBe(false);
    expect(hasStats({ cpuPercent: 0 })).toBe(true);
    expect(hasStats({ uptimeSeconds: 5 })).toBe(true);
  });
});
