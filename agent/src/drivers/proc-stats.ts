import fs from 'node:fs';
import os from 'node:os';

/** Linux clock ticks per second (USER_HZ), which /proc reports times in. */
const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

export interface ProcessSample {
  /** CPU time used so far, in ticks. */
  cpuTicks: number;
  /** When the process started, in ticks after boot: with the pid, it identifies the process. */
  startTicks: number;
  zombie: boolean;
}

/** Reads /proc/<pid>/stat; null when there is no such process. */
export function sampleProcess(pid: number): ProcessSample | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may contain spaces and parentheses; the fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), startTicks: Number(fields[19]), zombie: fields[0] === 'Z' };
}

export function residentBytes(pid: number): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE;
  } catch {
    return undefined;
  }
}

export function uptimeSecondsOf(sample: ProcessSample): number {
  const systemUptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Math.max(0, systemUptime - sample.startTicks / TICKS_PER_SECOND);
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(previous: { cpuTicks: number; at: number }, current: { cpuTicks: number; at: number }): number | undefined {
  const elapsedSeconds = (current.at - previous.at) / 1000;
  if (elapsedSeconds <= 0) return undefined;
  return Math.max(0, ((current.cpuTicks - previous.cpuTicks) / TICKS_PER_SECOND / elapsedSeconds) * 100);
}

export function hostLoad(): number {
  return os.loadavg()[0];
}

export function diskUsedPercent(directory: string): number | undefined {
  try {
    const stats = fs.statfsSync(directory);
    return stats.blocks === 0 ? undefined : ((stats.blocks - stats.bfree) / stats.blocks) * 100;
  } catch {
    return undefined;
  }
}

export function listFiles(directory: string | undefined): string[] {
  if (!directory) return [];
  try {
    return fs
      .readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}
