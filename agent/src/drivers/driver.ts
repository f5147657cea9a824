import type { WorkerFiles } from '../deploy/worker-files.ts';
import type { WorkerInventory } from './inventory.ts';

/** What a manager observes about a worker, once per heartbeat. */
export type ReportedState = 'HEALTHY' | 'STARTING' | 'UNHEALTHY' | 'STOPPED';

export interface WorkerObservation {
  name: string;
  state: ReportedState;
  version?: string;
  cpuPercent?: number;
  memoryBytes?: number;
  load1?: number;
  diskPercent?: number;
  uptimeSeconds?: number;
}

/** A worker as membership reports it. */
export interface WorkerInfo {
  name: string;
  address: string;
  version: string;
  labels: Record<string, string>;
  /** Its own management console, if it has one. */
  consoleUrl?: string;
}

export interface RestartOutcome {
  ok: boolean;
  message: string;
  details: Record<string, unknown>;
}

/** One way of running workers (real processes, simulated ones); the agent treats them alike. */
export interface WorkerDriver {
  workers(): WorkerInfo[];
  /** Adopts workers that are already running and starts the others. */
  start(): Promise<void>;
  observe(): Promise<WorkerObservation[]>;
  /** What each worker has installed and loaded; a worker whose loaded items cannot be read right now is left out. */
  inventory(): Promise<WorkerInventory[]>;
  /** Which run of the worker is current (a new value after every start); null while it is not running. */
  incarnation(name: string): string | null;
  /** Stops a worker gracefully, starts it again and waits until it is healthy (or gives up). */
  restart(name: string): Promise<RestartOutcome>;
  /** The files a DEPLOY changes on the worker; null if there is no worker of that name. */
  files(name: string): WorkerFiles | null;
  /** Stops observing; the workers themselves keep running. */
  close(): Promise<void>;
}
