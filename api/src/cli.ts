import { Command } from 'commander';

/**
 * Each command is loaded only when it runs (or for --help): a worker or an agent starts without
 * loading the server, which matters when an agent restarts many workers.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  serve: async () => (await import('./commands/serve.command.ts')).registerServe,
  migrate: async () => (await import('./commands/migrate.command.ts')).registerMigrate,
  user: async () => (await import('./commands/user.command.ts')).registerUser,
  op: async () => (await import('./commands/op.command.ts')).registerOp,
  content: async () => (await import('./commands/content.command.ts')).registerContent,
  baseline: async () => (await import('./commands/baseline.command.ts')).registerBaseline,
  drift: async () => (await import('./commands/drift.command.ts')).registerDrift,
  report: async () => (await import('./commands/report.command.ts')).registerReport,
  alert: async () => (await import('./commands/alert.command.ts')).registerAlert,
  rule: async () => (await import('./commands/rule.command.ts')).registerRule,
  channel: async () => (await import('./commands/channel.command.ts')).registerChannel,
  agent: async () => (await import('@opscenter/agent/commands/agent.command')).registerAgent,
  worker: async () => (await import('@opscenter/agent/commands/worker.command')).registerWorker,
  demo: async () => (await import('@opscenter/agent/commands/demo.command')).registerDemo,
};

const program = new Command('opscenter')
  .description('Operations Center: manage and monitor production server fleets.')
  .showHelpAfterError()
  .enablePositionalOptions();

/** Failures a user can act on: one clear line, no stack. */
async function isExpected(error: unknown): Promise<boolean> {
  if (!(error instanceof Error)) return false;
  const [{ ConfigError }, { DomainError }, { AgentConfigError }, { EnrollmentError }, { CredentialRefusedError }] = await Promise.all([
    import('./config.ts'),
    import('./shared/domain-error.ts'),
    import('@opscenter/agent/config'),
    import('@opscenter/agent/agent'),
    import('@opscenter/agent/api-client'),
  ]);
  return (
    [ConfigError, DomainError, AgentConfigError, EnrollmentError, CredentialRefusedError].some((type) => error instanceof type) ||
    /^--|must be/.test(error.message)
  );
}

try {
  const requested = process.argv[2];
  const registrars = requested && Object.hasOwn(COMMANDS, requested) ? [COMMANDS[requested]] : Object.values(COMMANDS);
  for (const load of registrars) (await load())(program);
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures are one clear line; anything else keeps its stack for a bug report.
  const { CliError } = await import('./commands/cli-error.ts');
  if (error instanceof CliError) {
    console.error(`opscenter: ${error.message}`);
    process.exit(error.exitCode);
  }
  if (await isExpected(error)) {
    console.error(`opscenter: ${(error as Error).message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
