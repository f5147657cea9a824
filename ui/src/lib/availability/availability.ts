import type { TargetInput } from '$lib/operations/strategy-form';
import { formatExactDuration } from '$lib/utils/format';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Report windows, each cut into slices that make round chart bars. */
export const AVAILABILITY_WINDOWS = {
  '1h': { label: 'Last hour', windowMs: HOUR_MS, buckets: 12 },
  '24h': { label: 'Last 24 hours', windowMs: DAY_MS, buckets: 24 },
  '7d': { label: 'Last 7 days', windowMs: 7 * DAY_MS, buckets: 28 },
  '30d': { label: 'Last 30 days', windowMs: 30 * DAY_MS, buckets: 30 },
  '90d': { label: 'Last 90 days', windowMs: 90 * DAY_MS, buckets: 45 },
} as const;
export type AvailabilityWindow = keyof typeof AVAILABILITY_WINDOWS;

export function isAvailabilityWindow(value: string): value is AvailabilityWindow {
  return value in AVAILABILITY_WINDOWS;
}

export type TargetKind = 'all' | 'cluster' | 'tag' | 'node';

/** The report's target as kept in the URL: `kind` plus the cluster name, tag or node id. */
export function availabilityTarget(kind: string, value: string): TargetInput | null {
  if (kind === 'cluster') return value ? { clusters: [value] } : null;
  if (kind === 'tag') return value ? { tags: { tags: [value] } } : null;
  if (kind === 'node') return value ? { nodes: [value] } : null;
  return { all: true };
}

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1, ms: 0.001 };

/** Seconds in a Duration as the OC writes it ("1h30m", "9m45s", "250ms"). */
export function durationSeconds(text: string | null | undefined): number {
  if (!text) return 0;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(match[1]) * UNIT_SECONDS[match[2]];
  return total;
}

/** Durations come from the OC in whole seconds, rounded as in the CSV; they are shown to the second. */
export function formatReportDuration(text: string): string {
  return formatExactDuration(durationSeconds(text));
}

/** Hands text to the browser as a file download. */
export function downloadText(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}
