import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { duration, optionalDuration } from './shared/duration.ts';

const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may use only letters, digits, ".", "_" and "-"');

const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

const health = z.union([
  z.object({ http: httpUrl() }).strict(),
  z.object({ tcp: z.number().int().min(1).max(65535), host: z.string().default('127.0.0.1') }).strict(),
]);

/** A command that prints what the worker's running process loaded, run without a shell. */
const inventoryCommand = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /** How long it may run before it is killed (its answer then counts as unreadable). */
    timeout: duration('10s').pipe(z.number().max(60_000, 'must be at most 1m: inventories are taken every heartbeat')),
  })
  .strict();

const processWorker = z
  .object({
    driver: z.literal('process'),
    name,
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
    address: z.string().default(''),
    health: health.optional(),
    /** How long SIGTERM may take before SIGKILL. */
    stopTimeout: duration('10s'),
    /** How long a started process may fail its health check before it counts as unhealthy. */
    startTimeout: duration('30s'),
    patchesDir: z.string().optional(),
    artifactsDir: z.string().optional(),
    /** Configuration files the agent manages for this worker, reported in its inventory (their file names must differ). */
    configFiles: z.array(z.string().min(1)).default([]),
    /**
     * Where the worker reports what its running process loaded (JSON: [{ kind, name, sha256 }]).
     * Without it, a worker whose health answer names an inventory path (the demo worker) is asked there.
     */
    inventoryUrl: httpUrl().optional(),
    /** Instead of inventoryUrl: a command whose standard output is that JSON (a product that reports it through a CLI). */
    inventoryCommand: inventoryCommand.optional(),
    labels: z.record(z.string(), z.string()).default({}),
    /** The worker's own management console, linked from its page in the dashboard. */
    consoleUrl: httpUrl().optional(),
  })
  .strict();

const simulatedWorkers = z
  .object({
    driver: z.literal('simulated'),
    /** Workers are named <namePrefix>1 … <namePrefix><count>. */
    namePrefix: name,
    count: z.number().int().min(1).max(100_000),
    version: z.string().default('1.0.0'),
    behaviour: z
      .object({
        /** Time from (re)start to healthy. */
        startDelay: duration('1ms'),
        /** Workers whose health check fails, by name. */
        failHealth: z.array(z.string()).default([]),
        /** A worker fails its health after a (re)start while one of these file names is installed on it (a broken patch). */
        failHealthWith: z.array(z.string()).default([]),
        /** Each worker crashes about this often (none if absent). */
        crashEvery: optionalDuration(),
        /** Each worker flips between healthy and failing about this often (none if absent). */
        flapEvery: optionalDuration(),
      })
      .strict()
      .default({ startDelay: 1, failHealth: [], failHealthWith: [] }),
  })
  .strict();

export const agentConfigSchema = z
  .object({
    oc: z.object({ url: httpUrl(), enrollmentToken: z.string().optional() }).strict(),
    cluster: z.string().min(1),
    manager: z.object({ name, address: z.string().default(''), labels: z.record(z.string(), z.string()).default({}) }).strict(),
    /** Where the agent keeps its credential and what it has done; defaults to <config>.state.json. */
    stateFile: z.string().optional(),
    /** Spread of the heartbeat interval, so managers do not all send at once. */
    jitter: z.number().min(0).max(0.5).default(0.1),
    workers: z.array(z.discriminatedUnion('driver', [processWorker, simulatedWorkers])).default([]),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfigSchema> & { stateFile: string; configDir: string };
export type ProcessWorkerConfig = z.output<typeof processWorker>;
export type SimulatedWorkersConfig = z.output<typeof simulatedWorkers>;

export class AgentConfigError extends Error {}

export interface AgentOverrides {
  ocUrl?: string;
  enrollmentToken?: string;
  stateFile?: string;
}

/** Reads and checks an agent configuration file (YAML or JSON); relative paths are relative to it. */
export function loadAgentConfig(file: string, overrides: AgentOverrides = {}): AgentConfig {
  let raw: unknown;
  try {
    raw = parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AgentConfigError(`Cannot read agent configuration ${file}: ${(error as Error).message}`);
  }
  const document = (raw && typeof raw === 'object' && !Array.isArray(raw) ? structuredClone(raw) : {}) as {
    oc?: Record<string, unknown>;
    stateFile?: string;
  };
  document.oc = { ...document.oc };
  if (overrides.ocUrl) document.oc.url = overrides.ocUrl;
  if (overrides.enrollmentToken) document.oc.enrollmentToken = overrides.enrollmentToken;
  if (overrides.stateFile) document.stateFile = overrides.stateFile;
  const result = agentConfigSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AgentConfigError(`Invalid agent configuration ${file}: ${issue.path.join('.') || '(top level)'} ${issue.message}`);
  }
  const configDir = path.dirname(path.resolve(file));
  const resolve = (target: string | undefined) => (target ? path.resolve(configDir, target) : undefined);
  const names = new Set<string>([result.data.manager.name]);
  for (const worker of result.data.workers) {
    if (worker.driver === 'process') {
      const configNames = worker.configFiles.map((configFile) => path.basename(configFile));
      const repeated = configNames.find((configName, index) => configNames.indexOf(configName) !== index);
      if (repeated) throw new AgentConfigError(`Invalid agent configuration ${file}: worker ${worker.name} has two config files named "${repeated}"`);
      if (worker.inventoryUrl && worker.inventoryCommand)
        throw new AgentConfigError(
          `Invalid agent configuration ${file}: worker ${worker.name} has both an inventoryUrl and an inventoryCommand; give one, as they are two answers to the same question`,
        );
    }
    const workerNames = worker.driver === 'process' ? [worker.name] : Array.from({ length: worker.count }, (_, index) => `${worker.namePrefix}${index + 1}`);
    for (const workerName of workerNames) {
      if (names.has(workerName)) throw new AgentConfigError(`Invalid agent configuration ${file}: the name "${workerName}" is used twice`);
      names.add(workerName);
    }
  }
  return {
    ...result.data,
    configDir,
    stateFile: resolve(result.data.stateFile) ?? path.join(configDir, `${path.basename(file).replace(/\.(ya?ml|json)$/, '')}.state.json`),
    workers: result.data.workers.map((worker) =>
      worker.driver === 'process'
        ? {
            ...worker,
            cwd: resolve(worker.cwd),
            patchesDir: resolve(worker.patchesDir),
            artifactsDir: resolve(worker.artifactsDir),
            configFiles: worker.configFiles.map((configFile) => path.resolve(configDir, configFile)),
          }
        : worker,
    ),
  };
}
