import { Cron } from 'croner';
import { ValidationError } from '../../shared/domain-error.ts';

const MIN_SPACING_MS = 60_000;

export class InvalidScheduleError extends ValidationError {
  constructor(message: string, field: 'cron' | 'timezone') {
    super('INVALID_SCHEDULE', message, field);
  }
}

/**
 * A cron expression in an IANA time zone (croner). Daylight saving time follows Vixie cron, as
 * croner does: a fixed-time job whose time occurs twice (clocks go back) runs once, at the first
 * occurrence; one whose time does not exist that day (clocks go forward) runs at the first valid
 * time after the gap, the same day. Runs less than a minute apart are refused.
 */
export class CronSchedule {
  readonly #cron: Cron;

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw new InvalidScheduleError(`"${timezone.slice(0, 60)}" is not an IANA time zone (e.g. Europe/London, America/New_York, UTC).`, 'timezone');
    }
    if (!/^[\d*/,\-A-Za-z?LW# ]{1,120}$/.test(expression))
      throw new InvalidScheduleError('A cron expression uses digits, *, /, -, commas and names, like "0 0 * * *" (midnight).', 'cron');
    try {
      this.#cron = new Cron(expression, { timezone, paused: true });
    } catch (error) {
      throw new InvalidScheduleError(`"${expression}" is not a valid cron expression: ${(error as Error).message}`, 'cron');
    }
    const upcoming = this.next(new Date(), 3);
    if (upcoming.length === 0) throw new InvalidScheduleError(`"${expression}" never runs.`, 'cron');
    for (let index = 1; index < upcoming.length; index += 1) {
      if (upcoming[index].getTime() - upcoming[index - 1].getTime() < MIN_SPACING_MS)
        throw new InvalidScheduleError('Runs must be at least a minute apart; a fleet operation every few seconds would never finish.', 'cron');
    }
  }

  /** The next `count` run times strictly after `after`. */
  next(after: Date, count: number): Date[] {
    const runs: Date[] = [];
    let from = after;
    while (runs.length < count) {
      const run = this.#cron.nextRun(from);
      if (!run) break;
      runs.push(run);
      from = run;
    }
    return runs;
  }

  /** Run times in (after, until], at most `limit` (the latest ones), looking back at most `horizonMs`. */
  between(after: Date, until: Date, limit: number, horizonMs = 7 * 86_400_000): Date[] {
    const runs: Date[] = [];
    let from = new Date(Math.max(after.getTime(), until.getTime() - horizonMs));
    for (;;) {
      const run = this.#cron.nextRun(from);
      if (!run || run > until) break;
      runs.push(run);
      if (runs.length > limit) runs.shift();
      from = run;
    }
    return runs;
  }
}
