import type { Command } from 'commander';
import type { ServerConfigInput } from '../config.ts';
import { envName } from '../config.ts';

export type ServerFlags = ServerConfigInput;

const OPTIONS: [flag: string, key: keyof ServerConfigInput, help: string][] = [
  ['--port <port>', 'port', 'HTTP port (default 4000)'],
  ['--host <host>', 'host', 'interface to listen on (default 0.0.0.0)'],
  ['--data-dir <dir>', 'dataDir', 'embedded database directory (default ./data)'],
  ['--database-url <url>', 'databaseUrl', 'use this PostgreSQL server instead of the embedded database'],
  ['--log-level <level>', 'logLevel', 'trace, debug, info, warn, error or silent'],
  ['--log-format <format>', 'logFormat', 'json or pretty'],
  ['--heartbeat-interval <duration>', 'heartbeatInterval', 'how often managers send heartbeats (default 5s)'],
  ['--suspect-after <intervals>', 'suspectAfter', 'missed intervals before SUSPECT (default 3)'],
  ['--down-after <intervals>', 'downAfter', 'missed intervals before DOWN (default 6)'],
  ['--manager-lease <duration>', 'managerLease', 'silence after which a manager is unreachable (default 15s)'],
  ['--warmup <duration>', 'warmup', 'grace after start before judging liveness (default 30s)'],
  ['--enrollment-token-ttl <duration>', 'enrollmentTokenTtl', 'default enrollment token lifetime (default 1h)'],
  ['--session-ttl <duration>', 'sessionTtl', 'login session lifetime (default 12h)'],
  ['--api-token-max-lifetime <duration>', 'apiTokenMaxLifetime', 'longest lifetime of an API token (default 365d)'],
  ['--agent-credential-ttl <duration>', 'agentCredentialTtl', 'lifetime of a manager agent credential; agents renew it (default 7d)'],
  ['--agent-credential-grace <duration>', 'agentCredentialGrace', 'how long a renewed agent credential keeps working (default 10m)'],
  ['--allowed-origins <origins>', 'allowedOrigins', 'comma-separated browser origins allowed besides the OC itself'],
  ['--max-body-bytes <bytes>', 'maxBodyBytes', 'largest request body or WebSocket message (default 8388608)'],
  ['--max-query-cost <objects>', 'maxQueryCost', 'most objects one query may ask for, counting page sizes (default 50000)'],
  ['--max-resolved-objects <objects>', 'maxResolvedObjects', 'most list items one request may resolve (default 100000)'],
  ['--query-deadline <duration>', 'queryDeadline', 'a query still running after this is stopped (default 15s)'],
  ['--max-subscriptions-per-socket <n>', 'maxSubscriptionsPerSocket', 'subscriptions one WebSocket may hold (default 100)'],
  ['--max-sockets-per-user <n>', 'maxSocketsPerUser', 'WebSockets one user or agent may hold open (default 20)'],
  ['--anonymous-mutations-per-minute <n>', 'anonymousMutationsPerMinute', 'mutation fields one address may call without credentials (default 60)'],
  ['--graphiql <true|false>', 'graphiql', 'serve GraphiQL at /graphql to browsers (default true)'],
  ['--alert-evaluation-interval <duration>', 'alertEvaluationInterval', 'how often alert rules are evaluated (default 15s)'],
  ['--alert-retention <duration>', 'alertRetention', 'how long resolved alerts are kept (default 90d)'],
  ['--remediation-interval <duration>', 'remediationInterval', 'how often self-healing policies look for nodes to restart (default 15s)'],
  ['--notification-tick <duration>', 'notificationTick', 'how often the outbox is checked for due notifications (default 1s)'],
  ['--notification-max-attempts <n>', 'notificationMaxAttempts', 'default attempts before a notification is dead-lettered (default 12)'],
  ['--notification-backoff <duration>', 'notificationBackoff', 'delay before the first retry, doubling each time (default 5s)'],
  ['--notification-backoff-max <duration>', 'notificationBackoffMax', 'longest delay between retries (default 1h)'],
  ['--notification-retention <duration>', 'notificationRetention', 'how long delivered notifications are kept (default 7d)'],
];

/** Adds the server's configuration flags; each also reads an environment variable (flags win). */
export function serverOptions(command: Command): Command {
  for (const [flag, key, help] of OPTIONS) command.option(flag, `${help} [${envName(key)}]`);
  return command;
}
