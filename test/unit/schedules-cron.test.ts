import { describe, expect, it } from 'vitest';
import { CronSchedule } from '../../api/src/modules/schedules/schedules.cron.ts';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('CronSchedule', () => {
  it('gives the next runs strictly after a time, in its time zone', () => {
    const midnight = new CronSchedule('0 0 * * *', 'Europe/London');
    expect(iso(midnight.next(at('2026-01-14T23:50:00Z'), 2))).toEqual(['2026-01-15T00:00:00.000Z', '2026-01-16T00:00:00.000Z']);
    expect(iso(midnight.next(at('2026-01-15T00:00:00Z'), 1))).toEqual(['2026-01-16T00:00:00.000Z']);
    expect(iso(new CronSchedule('0 0 * * *', 'America/New_York').next(at('2026-01-14T23:50:00Z'), 1))).toEqual(['2026-01-15T05:00:00.000Z']);
  });

  it('runs a time that does not exist after the gap, and a time that occurs twice once', () => {
    const early = new CronSchedule('30 1 * * *', 'Europe/London');
    expect(iso(early.next(at('2026-03-28T12:00:00Z'), 2))).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(iso(early.next(at('2026-10-24T12:00:00Z'), 2))).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('lists the runs in (after, until], keeping the latest ones within the limit and the horizon', () => {
    const hourly = new CronSchedule('0 * * * *', 'UTC');
    expect(iso(hourly.between(at('2026-01-01T00:00:00Z'), at('2026-01-01T03:00:00Z'), 10))).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(iso(hourly.between(at('2026-01-01T00:00:00Z'), at('2026-01-01T03:00:00Z'), 2))).toEqual(['2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']);
    expect(iso(hourly.between(at('2025-01-01T00:00:00Z'), at('2026-01-01T03:00:00Z'), 100, 2 * 3_600_000))).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(hourly.between(at('2026-01-01T03:00:00Z'), at('2026-01-01T03:30:00Z'), 10)).toEqual([]);
  });

  it('refuses bad expressions, time zones and runs less than a minute apart, naming the field', () => {
    const refused: [string, string, RegExp, string][] = [
      ['0 0 * * *; reboot', 'UTC', /uses digits/, 'cron'],
      ['every night', 'UTC', /not a valid cron expression/, 'cron'],
      ['61 0 * * *', 'UTC', /not a valid cron expression/, 'cron'],
      ['* * * * * *', 'UTC', /at least a minute apart/, 'cron'],
      ['0 0 30 2 *', 'UTC', /never runs|not a valid cron expression/, 'cron'],
      ['0 0 * * *', 'Mars/Olympus', /not an IANA time zone/, 'timezone'],
      ['0 0 * * *', '../../etc/localtime', /not an IANA time zone/, 'timezone'],
    ];
    for (const [expression, timezone, message, field] of refused) {
      expect(() => new CronSchedule(expression, timezone), `${expression} ${timezone}`).toThrow(message);
      expect(() => new CronSchedule(expression, timezone)).toThrow(expect.objectContaining({ code: 'INVALID_SCHEDULE', field }));
    }
  });
});
