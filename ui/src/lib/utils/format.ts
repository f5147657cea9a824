const numberFormat = new Intl.NumberFormat('en-US');
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
const dayTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });
const DASH = '—';

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

export function formatPercent(value: number | null | undefined): string {
  return value == null ? DASH : `${value.toFixed(value < 10 ? 1 : 0)} %`;
}

export function formatLoad(value: number | null | undefined): string {
  return value == null ? DASH : value.toFixed(2);
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
  return `${scaled.toFixed(scaled < 10 && unit > 0 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** The binary unit that suits values up to `max` bytes, for an axis with round ticks. */
export function byteUnit(max: number): { unit: string; bytes: number } {
  const index = Math.max(0, Math.min(BYTE_UNITS.length - 1, Math.floor(Math.log(Math.max(1, max)) / Math.log(1024))));
  return { unit: BYTE_UNITS[index], bytes: 1024 ** index };
}

/** A duration in seconds, as its two largest units: "3d 4h", "12m 5s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) return DASH;
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3_600), 'h'],
    [Math.floor((seconds % 3_600) / 60), 'm'],
    [Math.floor(seconds % 60), 's'],
  ];
  const first = parts.findIndex(([amount]) => amount > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join(' ');
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

export function formatDayClock(epochMs: number): string {
  return dayTimeFormat.format(new Date(epochMs));
}
