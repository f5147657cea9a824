import { type ExecFileException, execFile } from 'node:child_process';
import { parseReportedLoad, type ReportedLoad } from './inventory.ts';

/** The most a worker's inventory command may print: far more than a list of patches and tenants takes. */
export const INVENTORY_COMMAND_MAX_OUTPUT = 1024 * 1024;

export interface InventoryCommand {
  command: string;
  args: readonly string[];
  /** Milliseconds before the command is killed. */
  timeout: number;
}

/** What running the command gave: what the worker reports, or why it could not be read. */
export type InventoryCommandOutcome = { ok: true; load: ReportedLoad } | { ok: false; problem: string };

/**
 * Runs a worker's inventory command, without a shell, and reads its standard output as the
 * inventory JSON a worker's inventory URL answers. The command runs in the worker's directory
 * with its environment, and learns which worker (and process) it is asked about from
 * OPSCENTER_WORKER_NAME and OPSCENTER_WORKER_PID.
 */
export function runInventoryCommand(
  spec: InventoryCommand,
  worker: { name: string; pid: number; cwd?: string; env: Record<string, string> },
): Promise<InventoryCommandOutcome> {
  return new Promise((resolve) => {
    execFile(
      spec.command,
      [...spec.args],
      {
        cwd: worker.cwd,
        env: { ...process.env, ...worker.env, OPSCENTER_WORKER_NAME: worker.name, OPSCENTER_WORKER_PID: String(worker.pid) },
        timeout: spec.timeout,
        killSignal: 'SIGKILL',
        maxBuffer: INVENTORY_COMMAND_MAX_OUTPUT,
        encoding: 'utf8',
      },
      (error, stdout) => {
        if (error) return resolve({ ok: false, problem: commandProblem(spec, error) });
        let body: unknown;
        try {
          body = JSON.parse(stdout);
        } catch {
          return resolve({ ok: false, problem: 'its output is not JSON' });
        }
        const load = parseReportedLoad(body);
        resolve(load ? { ok: true, load } : { ok: false, problem: 'its output is neither a list of loaded items nor { loaded, tenants }' });
      },
    );
  });
}

function commandProblem(spec: InventoryCommand, error: ExecFileException): string {
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `its output exceeds ${INVENTORY_COMMAND_MAX_OUTPUT} bytes`;
  if (error.killed) return `it did not finish within ${spec.timeout} ms`;
  if (error.code === 'ENOENT') return `${spec.command} not found`;
  if (error.code === 'EACCES') return `${spec.command} is not executable`;
  if (typeof error.code === 'number') return `it exited with code ${error.code}`;
  return error.message;
}
