import type { Client } from 'graphql-ws';
import type { ScriptedManager } from './fleet.ts';
import { ok } from './gql.ts';
import type { TestServer } from './server.ts';

export interface ReceivedCommand {
  id: string;
  kind: string;
  nodeName: string;
  epoch: number;
  operationId: string | null;
  stepId: string | null;
  params: Record<string, any>;
}

const REPORT = `mutation($input: CommandProgressInput!) { reportCommandProgress(input: $input) { __typename ... on Error { code message } } }`;

/**
 * A manager agent driven step by step from a test (with the server's manual clock): it receives
 * commands over the real command channel, and the test decides when each restart completes and
 * what the workers report in each heartbeat batch.
 */
export class ScriptedAgent {
  readonly commands: ReceivedCommand[] = [];
  readonly states = new Map<string, 'HEALTHY' | 'STARTING' | 'UNHEALTHY' | 'STOPPED'>();
  readonly #client: Client;
  #waiters: (() => void)[] = [];

  constructor(
    private readonly server: TestServer,
    readonly manager: ScriptedManager,
    workers: string[],
  ) {
    for (const worker of workers) this.states.set(worker, 'HEALTHY');
    this.#client = server.wsClient(manager.credential);
    this.#client.subscribe<{ agentCommands: ReceivedCommand }>(
      {
        query: `subscription { agentCommands { id kind nodeName epoch operationId stepId params { __typename
          ... on DeployParams { install { kind name sha256 size contentId inline } remove { kind name } restart minHealthyTimeMs healthyDeadlineMs }
          ... on RevertParams { restart minHealthyTimeMs healthyDeadlineMs } } } }`,
      },
      {
        next: (message) => {
          if (message.data && !this.commands.some((command) => command.id === message.data?.agentCommands.id)) {
            this.commands.push(message.data.agentCommands);
          }
          for (const wake of this.#waiters.splice(0)) wake();
        },
        error: () => {},
        complete: () => {},
      },
    );
  }

  /** Waits until `count` commands have arrived. */
  async received(count: number, ms = 5000): Promise<ReceivedCommand[]> {
    const deadline = Date.now() + ms;
    while (this.commands.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} commands, got ${this.commands.length}: ${JSON.stringify(this.commands)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.commands;
  }

  async report(command: ReceivedCommand, state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'REJECTED', message = state.toLowerCase(), code: string | null = null) {
    const result = ok<any>(
      await this.server.gql(REPORT, { input: { commandId: command.id, epoch: command.epoch, state, code, message } }, this.manager.credential),
    );
    return result.reportCommandProgress;
  }

  /** Lets the engine take in reports, moves the clock by `ms`, sends the heartbeats of that moment, and lets the engine decide. */
  async after(ms: number) {
    await this.server.app.services.engine.tick();
    this.server.clock.advance(ms);
    await this.beat();
    await this.server.app.services.engine.tick();
  }

  /** Carries out a DEPLOY the way a manager does: restarts the worker and reports it done once it has stayed healthy for minHealthyTime (10 s). */
  async deploy(command: ReceivedCommand) {
    await this.report(command, 'RUNNING');
    this.states.set(command.nodeName, 'STOPPED');
    await this.beat();
    this.states.set(command.nodeName, 'HEALTHY');
    await this.beat();
    this.server.clock.advance(10_000);
    await this.beat();
    await this.report(command, 'SUCCEEDED', `${command.nodeName} changed; healthy 10 s with it loaded`);
    await this.after(1_000);
  }

  /** Restarts the worker the way a real agent would report it: stopped, then back and healthy. */
  async restart(command: ReceivedCommand, outcome: 'HEALTHY' | 'UNHEALTHY' = 'HEALTHY') {
    await this.report(command, 'RUNNING');
    this.states.set(command.nodeName, 'STOPPED');
    await this.beat();
    this.states.set(command.nodeName, outcome);
    await this.report(command, outcome === 'HEALTHY' ? 'SUCCEEDED' : 'FAILED', outcome === 'HEALTHY' ? 'restarted' : 'did not come back');
  }

  beat() {
    return this.manager.beat([...this.states].map(([name, state]) => ({ name, state })));
  }

  dispose() {
    return this.#client.dispose();
  }
}
