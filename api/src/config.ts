import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { duration } from '@opscenter/agent/shared/duration';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const positiveInt = (fallback: number, max = 1_000_000_000) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** How many of the newest events the OC keeps for subscribers that resume. */
export const DEFAULT_EVENT_RETENTION = 50_000;

const serverSchema = z
  .object({
    port: z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a port number')
      .min(0, 'must be a port number between 0 and 65535')
      .max(65535, 'must be a port number between 0 and 65535')
      .default(4000),
    host: z.string().min(1).default('0.0.0.0'),
    dataDir: z.string().min(1).default(path.join(process.cwd(), 'data')),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    logFormat: z.enum(['json', 'pretty']).default(process.stdout.isTTY ? 'pretty' : 'json'),
    heartbeatInterval: duration('5s'),
    suspectAfter: positiveInt(3, 1000),
    downAfter: positiveInt(6, 1000),
    managerLease: duration('15s'),
    warmup: duration('30s'),
    sweepInterval: duration('1s'),
    operationsTick: duration('500ms'),
    scheduleTick: duration('1s'),
    alertEvaluationInterval: duration('15s'),
    alertRetention: duration('90d'),
    remediationInterval: duration('15s'),
    notificationTick: duration('1s'),
    notificationMaxAttempts: positiveInt(12, 100),
    notificationBackoff: duration('5s'),
    notificationBackoffMax: duration('1h'),
    notificationRetention: duration('7d'),
    enrollmentTokenTtl: duration('1h'),
    sessionTtl: duration('12h'),
    apiTokenMaxLifetime: duration('365d'),
    agentCredentialTtl: duration('7d'),
    agentCredentialGrace: duration('10m'),
    eventRetention: positiveInt(DEFAULT_EVENT_RETENTION),
    statsRetention: duration('7d'),
    maxHeartbeatBatch: positiveInt(10_000, 1_000_000),
    maxBodyBytes: positiveInt(8 * 1024 * 1024),
    maxUploadBytes: positiveInt(512 * 1024 * 1024, 1024 ** 4),
    maxQueryCost: positiveInt(50_000),
    maxResolvedObjects: positiveInt(100_000),
    queryDeadline: duration('15s'),
    maxSubscriptionsPerSocket: positiveInt(100, 100_000),
    maxSocketsPerUser: positiveInt(20, 100_000),
    anonymousMutationsPerMinute: positiveInt(60, 1_000_000),
    graphiql: z
      .enum(['true', 'false', 'on', 'off'], { error: 'must be true or false' })
      .default('true')
      .transform((value) => value === 'true' || value === 'on'),
    uiDir: z
      .string()
      .min(1)
      .default(path.join(repoRoot, 'ui', 'build')),
    allowedOrigins: z
      .string()
      .default('')
      .transform((text) =>
        text
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      ),
    initialAdminPassword: z.string().min(12, 'must be at least 12 characters').optional(),
    /** The bearer token Prometheus sends to read /metrics; without one the endpoint is off. */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .refine((config) => config.downAfter > config.suspectAfter, {
    message: 'must be greater than the suspect-after setting (OPSCENTER_SUSPECT_AFTER)',
    path: ['downAfter'],
  });

export type ServerConfig = z.output<typeof serverSchema>;
export type ServerConfigInput = Partial<Record<keyof z.input<typeof serverSchema>, string | number | undefined>>;

export const ENV_PREFIX = 'OPSCENTER_';

export class ConfigError extends Error {}

/** Settings whose values an error message never repeats. */
const SECRETS = new Set(['initialAdminPassword', 'metricsToken']);

const toSnake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
const toKebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** The environment variable that sets a configuration key; DATABASE_URL keeps its conventional name. */
export function envName(key: string): string {
  return key === 'databaseUrl' ? 'DATABASE_URL' : `${ENV_PREFIX}${toSnake(key)}`;
}

export function flagName(key: string): string {
  return `--${toKebab(key)}`;
}

function readEnv(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of keys) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') values[key] = value;
  }
  return values;
}

/**
 * Builds the server configuration from environment variables and flags (flags win).
 * Throws a ConfigError whose message is one line naming the bad setting.
 */
export function loadServerConfig(flags: ServerConfigInput = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const keys = Object.keys(serverSchema.shape);
  const fromFlags = Object.fromEntries(
    Object.entries(flags)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, String(value)]),
  );
  const merged = { ...readEnv(env, keys), ...fromFlags };
  const result = serverSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const given = merged[key as keyof typeof merged];
    const source = key in fromFlags ? flagName(key) : envName(key);
    const shown = given === undefined ? '' : ` (got "${SECRETS.has(key) ? '***' : given}")`;
    throw new ConfigError(`Invalid configuration: ${source} ${issue.message}${shown}`);
  }
  return result.data;
}
