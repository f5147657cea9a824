import { z } from 'zod';

const UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** Reads "250ms", "10s", "5m", "1h30m" or "2d" (or a plain number of milliseconds); null if it is none of those. */
export function parseDuration(text: string): number | null {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  let total = 0;
  PART.lastIndex = 0;
  let matched = 0;
  for (let match = PART.exec(value); match; match = PART.exec(value)) {
    total += Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
    matched = PART.lastIndex;
  }
  return value.length > 0 && matched === value.length ? Math.round(total) : null;
}

/** Writes milliseconds exactly, largest units first: 585000 -> "9m45s", 250 -> "250ms", 0 -> "0s". */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  let rest = Math.round(milliseconds);
  let text = '';
  for (const [unit, size] of Object.entries(UNITS)) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text;
}

const parse = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const parsed = typeof value === 'number' ? value : parseDuration(value);
  if (parsed === null || !Number.isFinite(parsed) || parsed <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be a positive duration such as 5s, 2m or 1h, got "${value}"` });
    return z.NEVER;
  }
  return parsed;
});

/** A duration setting, in milliseconds. */
export const duration = (fallback: string) => z.union([z.string(), z.number()]).default(fallback).pipe(parse);

/** The same, with no value when it is not given. */
export const optionalDuration = () => parse.optional();
