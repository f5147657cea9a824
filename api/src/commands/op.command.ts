import { type Command, InvalidArgumentError } from 'commander';
import { type ApiClient, type ConnectionFlags, connectionOptions, withClient } from './api-client.ts';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli-error.ts';
import { itemIds } from './content-refs.ts';
import {
  type ControlAction,
  controlOperation,
  createOperation,
  fetchOperation,
  listOperations,
  OPERATION_KINDS,
  OPERATION_STATES,
  type Operation,
  type OperationInput,
  type OperationKind,
  planOperation,
} from './op.api.ts';
import { BarView, followOperation, LineView } from './op.follow.ts';
import { listText, operationText, outcomeText, planText } from './op.format.ts';
import { type TargetFlags, targetFrom, targetOptions } from './target-options.ts';

interface StrategyFlags {
  maxParallel?: number;
  maxUnavailable?: { maxUnavailable: number } | { maxUnavailablePercent: number };
  minHealthyTime?: string;
  healthyDeadline?: string;
  progressDeadline?: string;
  maxFailures?: number;
  canary?: number;
  autoPromote?: boolean;
  includeManagers?: boolean;
  rollbackOnFailure?: boolean;
  pauseBetweenBatches?: string;
}

interface StartFlags extends ConnectionFlags, TargetFlags, StrategyFlags {
  /** op deploy: the content items to deliver instead of the baselines. */
  item?: string[];
  description?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
  detach?: boolean;
  json?: boolean;
}

function wholeNumber(min: number, max?: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || (max !== undefined && number > max))
      throw new InvalidArgumentError(max === undefined ? `It must be a whole number of at least ${min}.` : `It must be a whole number from ${min} to ${max}.`);
    return number;
  };
}

function maxUnavailable(value: string): StrategyFlags['maxUnavailable'] {
  const percent = /^(\d+)%$/.exec(value);
  if (percent) return { maxUnavailablePercent: Number(percent[1]) };
  if (/^\d+$/.test(value)) return { maxUnavailable: Number(value) };
  throw new InvalidArgumentError('It must be a number of nodes (e.g. 2) or a percentage of each cluster (e.g. 25%).');
}

/** Parses a variadic enum option case-insensitively, so `--state failed running` reads naturally. */
function oneOf(allowed: readonly string[]) {
  return (value: string, previous: string[] = []): string[] => {
    const normalized = value.toUpperCase().replace(/-/g, '_');
    if (!allowed.includes(normalized)) throw new InvalidArgumentError(`It must be one of: ${allowed.map((item) => item.toLowerCase()).join(', ')}.`);
    return [...previous, normalized];
  };
}

function strategyOptions(command: Command): Command {
  return command
    .option('--max-parallel <n>', 'nodes per batch (default 1)', wholeNumber(1))
    .option('--max-unavailable <n|percent>', 'per cluster, nodes that may be unavailable at once, e.g. 2 or 25% (default 1)', maxUnavailable)
    .option('--min-healthy-time <duration>', 'how long a restarted node must stay healthy, e.g. 30s (default 10s)')
    .option('--healthy-deadline <duration>', 'how long a node may take to become healthy (default 5m)')
    .option('--progress-deadline <duration>', 'how long without any node becoming healthy before timing out (default 10m)')
    .option('--max-failures <n>', 'failures tolerated; one more aborts (default 0)', wholeNumber(0))
    .option('--canary <n>', 'restart this many nodes first, then wait for `op promote` (default 0)', wholeNumber(0))
    .option('--auto-promote', 'continue after healthy canaries without waiting for `op promote`')
    .option('--pause-between-batches <duration>', 'wait between batches, e.g. 1m (default none)');
}

function runOptions(command: Command): Command {
  return command
    .option('--description <text>', 'why, for people (shown in the dashboard and audit log)')
    .option('--idempotency-key <key>', 'a key of your choice (e.g. a UUID): repeating the command with it returns the same operation')
    .option('--dry-run', 'print the plan (batches and budget checks) and exit; nothing runs')
    .option('--detach', 'print the operation id and exit instead of following it')
    .option('--json', 'with --dry-run: print the plan as JSON');
}

function strategyFrom(flags: StrategyFlags): Record<string, unknown> {
  const strategy: Record<string, unknown> = {
    maxParallel: flags.maxParallel,
    ...flags.maxUnavailable,
    minHealthyTime: flags.minHealthyTime,
    healthyDeadline: flags.healthyDeadline,
    progressDeadline: flags.progressDeadline,
    maxFailures: flags.maxFailures,
    canary: flags.canary,
    autoPromote: flags.autoPromote,
    includeManagers: flags.includeManagers,
    rollbackOnFailure: flags.rollbackOnFailure,
    pauseBetweenBatches: flags.pauseBetweenBatches,
  };
  return Object.fromEntries(Object.entries(strategy).filter(([, value]) => value !== undefined));
}

const OUTCOME_EXIT: Record<string, number> = { SUCCEEDED: EXIT.OK, FAILED: EXIT.FAILED, TIMED_OUT: EXIT.FAILED, CANCELLED: EXIT.CANCELLED };

/** Follows the operation to its end, then prints the outcome and sets the exit code from it. */
async function follow(client: ApiClient, start: { operation: Operation; sequence: number }): Promise<void> {
  const { id } = start.operation;
  // Bars only make sense on a terminal; in logs and pipes, one line per transition stays readable.
  const view = process.stdout.isTTY ? new BarView() : new LineView();
  const interrupt = () => {
    view.stop();
    console.error(`Stopped following; operation ${id} keeps running. Follow it again with: opscenter op watch ${id}`);
    process.exit(EXIT.INTERRUPTED);
  };
  process.once('SIGINT', interrupt);
  let final: Operation;
  try {
    final = await followOperation(client, start, view);
  } finally {
    view.stop();
    process.off('SIGINT', interrupt);
  }
  console.log(outcomeText(final));
  process.exitCode = OUTCOME_EXIT[final.state];
}

async function startOperation(kind: OperationKind, flags: StartFlags): Promise<void> {
  if (flags.dryRun && flags.detach) throw new CliError('give --dry-run or --detach, not both', EXIT.USAGE);
  if (flags.json && !flags.dryRun) throw new CliError('--json goes with --dry-run (use `op show <id> --json` for an operation)', EXIT.USAGE);
  await withClient(flags, async (client) => {
    const input: OperationInput = {
      kind,
      target: await targetFrom(client, flags),
      strategy: strategyFrom(flags),
      ...(flags.description ? { description: flags.description } : {}),
      ...(flags.item ? { deploy: { items: await itemIds(client, flags.item) } } : {}),
    };
    if (flags.dryRun) {
      const plan = await planOperation(client, input);
      console.log(flags.json ? JSON.stringify(plan, null, 2) : planText(plan));
      return;
    }
    const { id } = await createOperation(client, input, flags.idempotencyKey);
    if (flags.detach) {
      console.log(id);
      return;
    }
    await follow(client, await fetchOperation(client, id));
  });
}

const START_EXAMPLES = `
Examples:
  $ opscenter op rolling-restart --cluster as --max-parallel 1
  $ opscenter op rolling-restart --tag "datacenter 1" role:worker --match all --max-unavailable 25% --canary 1
  $ opscenter op rolling-restart --all --dry-run
  $ id=$(opscenter op rolling-restart --cluster as --detach) && opscenter op watch "$id"

Durations are written like 500ms, 30s, 5m or 1h30m. On a terminal the command shows a bar
for the batch under way (and per cluster) and a total; otherwise it prints one line per change.
`;

const DEPLOY_EXAMPLES = `
Examples:
  $ opscenter op deploy --cluster as --dry-run
  $ opscenter op deploy --all --max-parallel 2 --rollback-on-failure
  $ opscenter op deploy --tag "datacenter 1" --item hotfix-17.jar@2

Without --item, each worker gets what its baselines want (see \`opscenter drift\`): missing and
different files are put in place, files no baseline wants are removed, and workers already in
sync are left alone. Each node's manager keeps the change only if the node stays healthy with it
loaded for --min-healthy-time; otherwise it puts the previous files back (the step ends REVERTED).
`;

const CONTROLS: [action: ControlAction, description: string][] = [
  ['pause', 'Pause an operation: steps in flight finish, no new ones start.'],
  ['resume', 'Resume a paused operation.'],
  ['cancel', 'Cancel an operation: steps in flight finish safely, no new ones start; it ends CANCELLED.'],
  ['promote', 'Let an operation waiting after its canaries continue with the rest.'],
];

export function registerOp(program: Command): void {
  const op = program
    .command('op')
    .description('Start, follow and control fleet operations (rolling restarts, deploys) on a running OC.')
    .addHelpText('after', `\nEvery subcommand takes --url (OPSCENTER_URL) and --token (OPSCENTER_TOKEN).\n${EXIT_CODES_HELP}`);
  // Usage errors get their own exit code, so a script can tell a typo from a failed operation;
  // and a one-line hint instead of the whole help keeps the error itself visible.
  op.exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE)).showHelpAfterError('(add --help for usage)');

  connectionOptions(
    runOptions(
      strategyOptions(
        targetOptions(
          op
            .command('rolling-restart')
            .description('Restart nodes batch by batch, each health-gated, within every cluster’s disruption budget; follows it live until it ends.'),
        ).option('--include-managers', 'restart the managers too, after all workers'),
      ),
    ),
  )
    .addHelpText('after', START_EXAMPLES + EXIT_CODES_HELP)
    .action((flags: StartFlags) => startOperation('ROLLING_RESTART', flags));

  connectionOptions(
    runOptions(
      strategyOptions(
        op
          .command('restart')
          .description('Restart the listed nodes (managers included), health-gated; follows it live until it ends.')
          .requiredOption('--node <name-or-id...>', 'the nodes (a name, cluster/name where names repeat, or an id)'),
      ),
    ),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((flags: StartFlags) => startOperation('RESTART', flags));

  connectionOptions(
    runOptions(
      strategyOptions(
        targetOptions(
          op
            .command('deploy')
            .description(
              'Bring workers to their baselines (or put the given items on them) batch by batch, each change health-gated and reverted if it fails; follows it live until it ends.',
            ),
        )
          .option('--item <id-or-name@version...>', 'deliver these content items instead of the baselines (nothing is removed)')
          .option('--rollback-on-failure', 'if the deploy fails (more than --max-failures), also revert the nodes it changed, last first'),
      ),
    ),
  )
    .addHelpText('after', DEPLOY_EXAMPLES + EXIT_CODES_HELP)
    .action((flags: StartFlags) => startOperation('DEPLOY', flags));

  connectionOptions(
    op
      .command('list')
      .description('List operations, newest first.')
      .option('--state <state...>', `only these states (${OPERATION_STATES.join(', ').toLowerCase()})`, oneOf(OPERATION_STATES))
      .option('--kind <kind...>', 'only these kinds (restart, rolling-restart)', oneOf(OPERATION_KINDS))
      .option('--first <n>', 'how many, 1 to 100', wholeNumber(1, 100), 20)
      .option('--json', 'print JSON for scripts'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((flags: ConnectionFlags & { state?: string[]; kind?: string[]; first: number; json?: boolean }) =>
      withClient(flags, async (client) => {
        const filter = { ...(flags.state ? { states: flags.state } : {}), ...(flags.kind ? { kinds: flags.kind } : {}) };
        const { nodes, totalCount } = await listOperations(client, filter, flags.first);
        console.log(flags.json ? JSON.stringify({ totalCount, operations: nodes }, null, 2) : listText(nodes, totalCount));
      }),
    );

  connectionOptions(
    op.command('show <id>').description('Show an operation: state, reason, budgets and every step with its timing.').option('--json', 'print JSON for scripts'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((id: string, flags: ConnectionFlags & { json?: boolean }) =>
      withClient(flags, async (client) => {
        const { operation } = await fetchOperation(client, id);
        console.log(flags.json ? JSON.stringify(operation, null, 2) : operationText(operation));
      }),
    );

  connectionOptions(op.command('watch <id>').description('Follow an operation live until it ends; exits like rolling-restart does.'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action((id: string, flags: ConnectionFlags) => withClient(flags, async (client) => follow(client, await fetchOperation(client, id))));

  for (const [action, description] of CONTROLS) {
    connectionOptions(op.command(`${action} <id>`).description(description))
      .addHelpText('after', EXIT_CODES_HELP)
      .action((id: string, flags: ConnectionFlags) =>
        withClient(flags, async (client) => {
          const operation = await controlOperation(client, action, id);
          console.log(`Operation ${operation.id} is ${operation.state}: ${operation.stateReason}`);
        }),
      );
  }
}
