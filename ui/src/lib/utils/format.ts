/**
 * Dates and numbers are written the way the browser's locale writes them (an undefined locale
 * means the browser's own): 12/01/2026, 2:03:05 PM in the US, 01/12/2026, 14:03:05 in the UK.
 * What is made for machines, such as the availability CSV, stays in ISO 8601 and plain numbers.
 */
const BROWSER_LOCALE = undefined;

const numberFormat = new Intl.NumberFormat(BROWSER_LOCALE);
const fixed = (digits: number) => new Intl.NumberFormat(BROWSER_LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
const oneDecimal = fixed(1);
const noDecimals = fixed(0);
const twoDecimals = fixed(2);
const upToTwoDecimals = new Intl.NumberFormat(BROWSER_LOCALE, { maximumFractionDigits: 2 });
const percentFormat = (digits: number) =>
  new Intl.NumberFormat(BROWSER_LOCALE, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
const percentOneDecimal = percentFormat(1);
const percentNoDecimals = percentFormat(0);
const axisPercent = new Intl.NumberFormat(BROWSER_LOCALE, { style: 'percent', maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(BROWSER_LOCALE, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat(BROWSER_LOCALE, { hour: '2-digit', minute: '2-digit' });
const secondsTimeFormat = new Intl.DateTimeFormat(BROWSER_LOCALE, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat(BROWSER_LOCALE, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const DASH = '—';

/** Date and time formats in the browser's locale with other options, e.g. in another time zone. */
export function dateTimeFormatFor(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(BROWSER_LOCALE, options);
}

export function formatCount(value: number): string {
  return numberFormat.format(value);
}

/** The noun that agrees with a count: "node" for 1, "nodes" otherwise; give the plural when it is not the noun plus "s". */
export function nounFor(count: number, singular: string, plural = `${singular}s`): string {
  return count === 1 ? singular : plural;
}

/** A count with its noun: "1 node", "1,200 nodes". */
export function formatCounted(count: number, singular: string, plural?: string): string {
  return `${formatCount(count)} ${nounFor(count, singular, plural)}`;
}

/** How much of a transfer is done, rounded down, so that 100% means finished; nothing to send is done at once. */
export function formatProgress(done: number, total: number): string {
  const percent = total > 0 ? Math.floor((Math.min(done, total) * 100) / total) : 100;
  return percentNoDecimals.format(percent / 100);
}

/** A percentage given from 0 to 100: one decimal below 10. */
export function formatPercent(value: number | null | undefined): string {
  if (value == null) return DASH;
  return (value < 10 ? percentOneDecimal : percentNoDecimals).format(value / 100);
}

export function formatLoad(value: number | null | undefined): string {
  return value == null ? DASH : twoDecimals.format(value);
}

/** A chart axis value: at most two decimals, none that are zero. */
export function formatAxisNumber(value: number): string {
  return upToTwoDecimals.format(value);
}

/** A chart axis percentage given from 0 to 100: "0%", "25%", "0.5%". */
export function formatAxisPercent(value: number): string {
  return axisPercent.format(value / 100);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(value: number | null | undefined): string {
  if (value == null) return DASH;
  let unit = 0;
  let scaled = value;
  // Switching units at 1000 keeps the numbers short: "0.9 GiB" rather than "954 MiB".
  while (scaled >= 1000 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${(scaled < 10 && unit > 0 ? oneDecimal : noDecimals).format(scaled)} ${BYTE_UNITS[unit]}`;
}

/** The binary unit that suits values up to `max` bytes, for an axis with round ticks. */
export function byteUnit(max: number): { unit: string; bytes: number } {
  const index = Math.max(0, Math.min(BYTE_UNITS.length - 1, Math.floor(Math.log(Math.max(1, max)) / Math.log(1024))));
  return { unit: BYTE_UNITS[index], bytes: 1024 ** index };
}

const DURATION_UNITS: [number, string][] = [
  [86_400, 'd'],
  [3_600, 'h'],
  [60, 'm'],
  [1, 's'],
];

/** Whole days, hours, minutes and seconds, largest first; the seconds rounded half up, as the OC rounds durations. */
function durationParts(seconds: number): [number, string][] {
  let rest = Math.round(seconds);
  return DURATION_UNITS.map(([size, unit]) => {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    return [amount, unit];
  });
}

/** A duration in seconds, as its two largest units: "3d 4h", "12m 5s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) return DASH;
  const parts = durationParts(seconds);
  const first = parts.findIndex(([amount]) => amount > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join(' ');
}

/** A duration in seconds, to the second: "1h 40s", "9m 45s". For figures that must match the CSV. */
export function formatExactDuration(seconds: number | null | undefined): string {
  if (seconds == null) return DASH;
  const parts = durationParts(seconds).filter(([amount]) => amount > 0);
  return parts.length === 0 ? '0s' : parts.map(([amount, unit]) => `${amount}${unit}`).join(' ');
}

/** How long ago the moment was, in its largest unit: "12s", "5m", "3h". */
export function formatElapsed(iso: string, now: number): string {
  return formatDuration(Math.max(0, (now - Date.parse(iso)) / 1000)).split(' ')[0];
}

/** "12s ago", "5m ago", "3h ago". */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  return now - Date.parse(iso) < 1000 ? 'just now' : `${formatElapsed(iso, now)} ago`;
}

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat.format(new Date(iso)) : DASH;
}

export function formatClock(epochMs: number): string {
  return timeFormat.format(new Date(epochMs));
}

export function formatClockSeconds(iso: string | null | undefined): string {
  return iso ? secondsTimeFormat.format(new Date(iso)) : DASH;
}

export function formatDayClock(epochMs: number): string {
  return dayTimeFormat.format(new Date(epochMs));
}

/** A recent moment by its time of day (with seconds), an older one with its day too. */
export function formatMoment(iso: string | null | undefined, now: number): string {
  if (!iso) return DASH;
  return now - Date.parse(iso) < 86_400_000 ? formatClockSeconds(iso) : formatDayClock(Date.parse(iso));
}
