import { registerAgent } from '@opscenter/agent/commands/agent.command';
import { registerWorker } from '@opscenter/agent/commands/worker.command';
import { registerDemo } from '@opscenter/agent/commands/demo.command';
import { AgentConfigError } from '@opscenter/agent/config';
import { EnrollmentError } from '@opscenter/agent/agent';
import { CredentialRefusedError } from '@opscenter/agent/api-client';
import { Command } from 'commander';
import { CliError } from './commands/cli-error.ts';
import { registerMigrate } from './commands/migrate.command.ts';
import { registerOp } from './commands/op.command.ts';
import { registerServe } from './commands/serve.command.ts';
import { registerUser } from './commands/user.command.ts';
import { ConfigError } from './config.ts';
import { DomainError } from './shared/domain-error.ts';

const program = new Command('opscenter')
  .description('Operations Center: manage and monitor production server fleets.')
  .showHelpAfterError()
  .enablePositionalOptions();

registerServe(program);
registerMigrate(program);
registerUser(program);
registerOp(program);
registerAgent(program);
registerWorker(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures are one clear line; anything else keeps its stack for a bug report.
  if (error instanceof CliError) {
    console.error(`opscenter: ${error.message}`);
    process.exit(error.exitCode);
  }
  if (
    error instanceof ConfigError ||
    error instanceof DomainError ||
    error instanceof AgentConfigError ||
    error instanceof EnrollmentError ||
    error instanceof CredentialRefusedError
  ) {
    console.error(`opscenter: ${error.message}`);
  } else if (error instanceof Error && /^--|must be/.test(error.message)) {
    console.error(`opscenter: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
