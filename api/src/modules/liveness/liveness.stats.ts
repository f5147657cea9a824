import type { StatsRow } from './liveness.repository.ts';

/** A node's measurements as a heartbeat carries them; absent ones are not measured. */
export interface NodeStatsInput {
  cpuPercent?: number | null;
  memoryBytes?: number | null;
  load1?: number | null;
  diskPercent?: number | null;
  uptimeSeconds?: number | null;
}

const AVERAGED = ['cpuPercent', 'memoryBytes', 'load1', 'diskPercent'] as const;
const MINUTE_MS = 60_000;

export function hasStats(entry: NodeStatsInput): boolean {
  return [...AVERAGED, 'uptimeSeconds' as const].some((key) => entry[key] !== null && entry[key] !== undefined);
}

interface Minute {
  start: number;
  samples: number;
  sums: Record<(typeof AVERAGED)[number], { total: number; count: number }>;
}

/**
 * Averages each node's measurements per minute of wall time, so the series holds one row per
 * node and minute however often heartbeats arrive. Pure: it keeps minutes in memory and hands
 * back the ones that are complete; writing them is the caller's business.
 */
export class StatsAccumulator {
  readonly #open = new Map<string, Minute>();
  #complete: StatsRow[] = [];

  add(nodeId: string, stats: NodeStatsInput, wallMs: number): void {
    const start = Math.floor(wallMs / MINUTE_MS) * MINUTE_MS;
    let minute = this.#open.get(nodeId);
    if (minute && minute.start !== start) {
      this.#complete.push(toRow(nodeId, minute));
      minute = undefined;
    }
    if (!minute) {
      minute = {
        start,
        samples: 0,
        sums: { cpuPercent: { total: 0, count: 0 }, memoryBytes: { total: 0, count: 0 }, load1: { total: 0, count: 0 }, diskPercent: { total: 0, count: 0 } },
      };
      this.#open.set(nodeId, minute);
    }
    minute.samples += 1;
    for (const key of AVERAGED) {
      const value = stats[key];
      if (value !== null && value !== undefined) {
        minute.sums[key].total += value;
        minute.sums[key].count += 1;
      }
    }
  }

  /** The rows of every minute that ended by `wallMs` (or all of them), removed from memory. */
  takeComplete(wallMs = Number.POSITIVE_INFINITY): StatsRow[] {
    for (const [nodeId, minute] of this.#open) {
      if (minute.start + MINUTE_MS > wallMs) continue;
      this.#complete.push(toRow(nodeId, minute));
      this.#open.delete(nodeId);
    }
    const rows = this.#complete;
    this.#complete = [];
    return rows;
  }

  forget(nodeId: string): void {
    this.#open.delete(nodeId);
  }
}

function toRow(nodeId: string, minute: Minute): StatsRow {
  const average = (key: (typeof AVERAGED)[number]) => {
    const { total, count } = minute.sums[key];
    return count === 0 ? null : total / count;
  };
  const memory = average('memoryBytes');
  return {
    nodeId,
    minute: new Date(minute.start),
    cpuPercent: average('cpuPercent'),
    memoryBytes: memory === null ? null : Math.round(memory),
    load1: average('load1'),
    diskPercent: average('diskPercent'),
    samples: minute.samples,
  };
}
