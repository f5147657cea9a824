import { describe, expect, it } from 'vitest';
import { judgeReport, judgeSilence, type NodeLiveness, reportsFailure } from '../../api/src/modules/liveness/liveness.judge.ts';

const policy = { intervalMs: 5000, suspectAfter: 3, downAfter: 6 };
const node = (overrides: Partial<NodeLiveness> = {}): NodeLiveness => ({
  status: 'UP',
  cause: 'FIRST_HEARTBEAT',
  lastReportMono: 0,
  failingSinceMono: null,
  ...overrides,
});

describe('judgeReport', () => {
  it('brings any node that reports healthy UP', () => {
    for (const status of ['SUSPECT', 'DOWN'] as const) {
      expect(judgeReport(node({ status, cause: 'REPORTED_FAILURE' }), 'HEALTHY')).toEqual({ status: 'UP', cause: 'RECOVERED' });
    }
    expect(judgeReport(node({ status: 'UNKNOWN', cause: 'MANAGER_UNREACHABLE' }), 'HEALTHY')).toEqual({ status: 'UP', cause: 'RECOVERED' });
    expect(judgeReport(node(), 'HEALTHY')).toBeNull();
  });

  it('says that a node started reporting when it is UP for the first time since it joined or rejoined', () => {
    for (const cause of ['JOINED', 'REJOINED'] as const) {
      expect(judgeReport(node({ status: 'UNKNOWN', cause }), 'HEALTHY')).toEqual({ status: 'UP', cause: 'FIRST_HEARTBEAT' });
    }
  });

  it('makes a failing report SUSPECT, never DOWN', () => {
    for (const state of ['STARTING', 'UNHEALTHY', 'STOPPED'] as const) {
      expect(judgeReport(node(), state)).toEqual({ status: 'SUSPECT', cause: 'REPORTED_FAILURE' });
      expect(judgeReport(node({ status: 'SUSPECT' }), state)).toBeNull();
    }
  });

  it('does not count a node that is not yet known to be up as failing while it starts', () => {
    expect(judgeReport(node({ status: 'UNKNOWN' }), 'STARTING')).toBeNull();
    expect(judgeReport(node({ status: 'UNKNOWN' }), 'UNHEALTHY')).toEqual({ status: 'SUSPECT', cause: 'REPORTED_FAILURE' });
  });

  it('leaves nodes in maintenance or gone alone', () => {
    expect(judgeReport(node({ status: 'MAINTENANCE' }), 'STOPPED')).toBeNull();
    expect(judgeReport(node({ status: 'LEFT' }), 'HEALTHY')).toBeNull();
  });
});

describe('judgeSilence', () => {
  it('counts missed intervals: SUSPECT at 3, DOWN at 6, with exact boundaries', () => {
    expect(judgeSilence(node(), 14_999, policy)).toBeNull();
    expect(judgeSilence(node(), 15_000, policy)).toEqual({ status: 'SUSPECT', cause: 'MISSED_HEARTBEATS' });
    expect(judgeSilence(node({ status: 'SUSPECT' }), 29_999, policy)).toBeNull();
    expect(judgeSilence(node({ status: 'SUSPECT' }), 30_000, policy)).toEqual({ status: 'DOWN', cause: 'MISSED_HEARTBEATS' });
    expect(judgeSilence(node({ status: 'DOWN' }), 90_000, policy)).toBeNull();
  });

  it('takes a node DOWN once failures have been reported across 3 intervals', () => {
    const failing = node({ status: 'SUSPECT', lastReportMono: 20_000, failingSinceMono: 5_000 });
    expect(judgeSilence(failing, 19_999, policy)).toBeNull();
    expect(judgeSilence(failing, 20_000, policy)).toEqual({ status: 'DOWN', cause: 'REPORTED_FAILURE' });
  });

  it('judges nothing about nodes in maintenance, gone or already DOWN', () => {
    for (const status of ['MAINTENANCE', 'LEFT', 'DOWN'] as const) {
      expect(judgeSilence(node({ status, failingSinceMono: 0 }), 10 * 60_000, policy)).toBeNull();
    }
  });

  it('does not make a SUSPECT node SUSPECT again, and takes a silent UNKNOWN node through SUSPECT to DOWN', () => {
    expect(judgeSilence(node({ status: 'SUSPECT', cause: 'REPORTED_FAILURE' }), 15_000, policy)).toBeNull();
    expect(judgeSilence(node({ status: 'UNKNOWN', cause: 'JOINED' }), 15_000, policy)).toEqual({ status: 'SUSPECT', cause: 'MISSED_HEARTBEATS' });
    expect(judgeSilence(node({ status: 'UNKNOWN', cause: 'JOINED' }), 30_000, policy)).toEqual({ status: 'DOWN', cause: 'MISSED_HEARTBEATS' });
  });

  it('calls persistent reported failure the cause of DOWN, ahead of missed heartbeats', () => {
    expect(judgeSilence(node({ status: 'SUSPECT', lastReportMono: 0, failingSinceMono: 0 }), 30_000, policy)).toEqual({
      status: 'DOWN',
      cause: 'REPORTED_FAILURE',
    });
  });

  it('follows the policy it is given', () => {
    const strict = { intervalMs: 1000, suspectAfter: 1, downAfter: 2 };
    expect(judgeSilence(node(), 999, strict)).toBeNull();
    expect(judgeSilence(node(), 1000, strict)).toEqual({ status: 'SUSPECT', cause: 'MISSED_HEARTBEATS' });
    expect(judgeSilence(node({ status: 'SUSPECT' }), 2000, strict)).toEqual({ status: 'DOWN', cause: 'MISSED_HEARTBEATS' });
  });
});

describe('reportsFailure', () => {
  it('counts every state but HEALTHY, except STARTING from a node not yet known to be up', () => {
    expect(reportsFailure('UP', 'HEALTHY')).toBe(false);
    expect(reportsFailure('UP', 'STARTING')).toBe(true);
    expect(reportsFailure('UNKNOWN', 'STARTING')).toBe(false);
    expect(reportsFailure('UNKNOWN', 'STOPPED')).toBe(true);
    expect(reportsFailure('SUSPECT', 'UNHEALTHY')).toBe(true);
  });
});
