import { createRequire } from 'node:module';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import type { Logger } from 'pino';
import {
  type AgentCommand,
  type CommandProgress,
  CredentialRefusedError,
  type HeartbeatEntry,
  OcClient,
  OcRefusedError,
  OcUnavailableError,
} from './api-client.ts';
import type { AgentConfig, ProcessWorkerConfig } from './config.ts';
import { ContentCache } from './deploy/content-cache.ts';
import { Deployer, DeployInterruptedError, type DeployOutcome } from './deploy/deployer.ts';
import type { WorkerDriver, WorkerInfo } from './drivers/driver.ts';
import { ProcessDriver } from './drivers/process.driver.ts';
import { SimulatedDriver } from './drivers/simulated.driver.ts';
import { InventoryReporter } from './inventory-reporter.ts';
import { Backoff, sleep } from './shared/backoff.ts';
import { type AgentState, StateFile } from './state.ts';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
/** How long executed-command records are kept: far longer than any retry of their operation. */
const EXECUTED_RETENTION_MS = 7 * 86_400_000;

/** The states a command ends in. */
type Finished = Exclude<CommandProgress['state'], 'RUNNING'>;

export class EnrollmentError extends Error {}

export interface AgentOptions {
  /** Drivers to use instead of the ones the configuration describes (tests, simulations). */
  drivers?: WorkerDriver[];
  /**
   * Restarts the agent itself, for a RESTART of the manager node; it does not return. The command
   * line starts a replacement process; without it the agent only reconnects to the OC.
   */
  restartSelf?: () => Promise<never>;
}

/**
 * A cluster's manager agent: enrolls once, then reports membership, sends one heartbeat batch per
 * interval for itself and all its workers, and carries out commands from the OC, surviving OC
 * restarts and network loss.
 */
export class Agent {
  readonly #stateFile: StateFile;
  readonly #client: OcClient;
  #state: AgentState;
  #drivers: WorkerDriver[] = [];
  #commandClient: Client | null = null;
  #stopped = new AbortController();
  #loop: Promise<void> | null = null;
  /** Counted from the time the agent starts, so that it keeps growing across restarts, as the OC requires. */
  #sequence = Date.now();
  #intervalMs = 5000;
  #membershipDue = true;
  readonly #inventory: InventoryReporter;
  #connected = false;
  /** Aborted each time the command channel connects, to cut a heartbeat backoff short. */
  #reconnected = new AbortController();
  readonly #running = new Map<string, Promise<void>>();
  readonly #deployer: Deployer;
  #fatal: ((error: Error) => void) | null = null;

  constructor(
    private config: AgentConfig,
    private readonly logger: Logger,
    private readonly options: AgentOptions = {},
  ) {
    this.#stateFile = new StateFile(config.stateFile);
    this.#state = this.#stateFile.load();
    this.#client = new OcClient(config.oc.url);
    this.#inventory = new InventoryReporter(this.#client, logger, () => {
      this.#membershipDue = true;
    });
    // Phases go where RESTART records that it started, so the at-most-once checks cover DEPLOY and REVERT too.
    const journal = {
      phase: (commandId: string) => this.#state.executed[`started:${commandId}`]?.outcome,
      record: (commandId: string, phase: string) => {
        this.#state.executed[`started:${commandId}`] = { at: new Date().toISOString(), outcome: phase };
        this.#stateFile.save(this.#state);
      },
    };
    const cache = new ContentCache(path.join(path.dirname(config.stateFile), 'content-cache'), this.#client);
    this.#deployer = new Deployer(cache, journal, { signal: this.#stopped.signal });
  }

  /** Resolves once enrolled and running; `failed` rejects if the agent later has to give up. */
  async start(): Promise<{ failed: Promise<never> }> {
    const failed = new Promise<never>((_, reject) => {
      this.#fatal = reject;
    });
    failed.catch(() => {});
    await this.#enroll();
    this.#drivers = this.options.drivers ?? this.#driversFor(this.config);
    for (const driver of this.#drivers) await driver.start();
    this.#stateFile.save(this.#state);
    this.#openCommandChannel();
    this.#loop = this.#heartbeats();
    return { failed };
  }

  /** Re-reads the worker list (SIGHUP): new workers are started, running ones adopted, membership re-reported. */
  async reload(config: AgentConfig): Promise<void> {
    for (const driver of this.#drivers) await driver.close();
    this.config = config;
    this.#drivers = this.options.drivers ?? this.#driversFor(config);
    for (const driver of this.#drivers) await driver.start();
    this.#stateFile.save(this.#state);
    this.#membershipDue = true;
  }

  /** Stops the agent; its workers keep running and a restarted agent adopts them. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#commandClient?.dispose();
    await this.#loop;
    await this.#inventory.settled();
    await Promise.allSettled(this.#running.values());
    for (const driver of this.#drivers) await driver.close();
    this.#stateFile.save(this.#state);
  }

  get clusterId(): string | undefined {
    return this.#state.clusterId;
  }

  async #enroll(): Promise<void> {
    if (this.#state.credential) {
      this.#client.credential = this.#state.credential;
      return;
    }
    const token = this.config.oc.enrollmentToken;
    if (!token) {
      throw new EnrollmentError(
        `This agent is not enrolled yet (no credential in ${this.config.stateFile}); give it an enrollment token (oc.enrollmentToken or --enrollment-token).`,
      );
    }
    const backoff = new Backoff();
    for (;;) {
      try {
        const registration = await this.#client.register(token, this.config.cluster, this.config.manager, VERSION);
        this.#state = {
          ...this.#state,
          ocUrl: this.config.oc.url,
          credential: registration.credential,
          clusterId: registration.clusterId,
          nodeId: registration.nodeId,
        };
        this.#client.credential = registration.credential;
        this.#intervalMs = registration.heartbeatIntervalMs;
        this.#stateFile.save(this.#state);
        this.logger.info({ cluster: this.config.cluster, state: this.config.stateFile }, 'enrolled');
        return;
      } catch (error) {
        if (error instanceof OcRefusedError) throw new EnrollmentError(`Enrollment refused (${error.code}): ${error.message}`);
        this.logger.warn({ err: (error as Error).message }, 'cannot enroll yet; retrying');
        await sleep(backoff.next(), this.#stopped.signal);
        if (this.#stopped.signal.aborted) throw new EnrollmentError('stopped before enrolling');
      }
    }
  }

  #driversFor(config: AgentConfig): WorkerDriver[] {
    const processes = config.workers.filter((worker): worker is ProcessWorkerConfig => worker.driver === 'process');
    const drivers: WorkerDriver[] = [];
    if (processes.length) {
      drivers.push(
        new ProcessDriver(
          processes,
          {
            get: (name) => this.#state.processes[name],
            set: (name, process) => {
              this.#state.processes[name] = process;
              this.#stateFile.save(this.#state);
            },
          },
          path.join(path.dirname(config.stateFile), 'logs'),
          this.logger.child({ driver: 'process' }),
        ),
      );
    }
    for (const worker of config.workers) if (worker.driver === 'simulated') drivers.push(new SimulatedDriver(worker));
    return drivers;
  }

  #workers(): WorkerInfo[] {
    return this.#drivers.flatMap((driver) => driver.workers());
  }

  async #heartbeats(): Promise<void> {
    // Retries back off, but never wait more than two heartbeat intervals, so a manager is back
    // well within the OC's warm-up after the OC restarts.
    let backoff: Backoff | null = null;
    let unavailableSince: number | null = null;
    while (!this.#stopped.signal.aborted) {
      try {
        if (this.#membershipDue) {
          const receipt = await this.#client.reportMembership(this.#workers());
          this.#membershipDue = false;
          // After a (re)join the OC may not have what it had: every inventory goes again.
          this.#inventory.resendAll();
          if (receipt.joined.length + receipt.left.length + receipt.rejoined.length + receipt.updated.length > 0) {
            this.logger.info(receipt, 'membership reported');
          }
        }
        const observations = (await Promise.all(this.#drivers.map((driver) => driver.observe()))).flat();
        const entries: HeartbeatEntry[] = [{ name: this.config.manager.name, state: 'HEALTHY', version: VERSION }, ...observations];
        this.#sequence += 1;
        const receipt = await this.#client.sendHeartbeats(this.#sequence, entries);
        this.#intervalMs = receipt.heartbeatIntervalMs;
        if (receipt.stale) {
          this.logger.warn({ hint: receipt.hint }, 'the OC ignored a stale heartbeat batch; continuing after the last sequence the OC applied');
          this.#sequence = receipt.lastAppliedSequence;
        }
        if (receipt.refused.some((refusal) => refusal.code === 'UNKNOWN_NODE')) this.#membershipDue = true;
        this.#inventory.schedule(this.#drivers);
        if (Date.parse(receipt.credentialRenewAfter) <= Date.now()) await this.#renewCredential();
        if (unavailableSince !== null) {
          this.logger.info({ afterMs: Date.now() - unavailableSince }, 'the OC is reachable again');
          unavailableSince = null;
        }
        backoff = null;
        const jitter = 1 + (Math.random() * 2 - 1) * this.config.jitter;
        await sleep(this.#intervalMs * jitter, this.#stopped.signal);
      } catch (error) {
        if (error instanceof CredentialRefusedError) {
          this.logger.error(`${error.message}; re-enroll with a new token (remove ${this.config.stateFile}).`);
          this.#fatal?.(error);
          return;
        }
        if (!(error instanceof OcUnavailableError)) this.logger.error({ err: error }, 'heartbeat failed');
        else if (unavailableSince === null) this.logger.warn(error.message);
        unavailableSince ??= Date.now();
        // Whatever changed while the OC was away is reported again as a full snapshot.
        this.#membershipDue = true;
        backoff ??= new Backoff(Math.min(500, this.#intervalMs), Math.max(1000, 2 * this.#intervalMs));
        await sleep(backoff.next(), AbortSignal.any([this.#stopped.signal, this.#reconnected.signal]));
      }
    }
  }

  /**
   * Swaps the credential for a new one before it expires: saved first, then used, and the command
   * channel reconnects with it while the old one still works (the OC gives it a grace period).
   * A failure is retried after the next heartbeat; the credential has a third of its life left.
   */
  async #renewCredential(): Promise<void> {
    try {
      const renewed = await this.#client.renewCredential();
      this.#state = { ...this.#state, credential: renewed.credential };
      this.#stateFile.save(this.#state);
      this.#client.credential = renewed.credential;
      await this.#commandClient?.dispose();
      this.#openCommandChannel();
      this.logger.info({ expiresAt: renewed.expiresAt }, 'credential renewed');
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'could not renew the credential yet; trying again after the next heartbeat');
    }
  }

  /**
   * With a replacement process, this does not return: the replacement finds the command marked as
   * started in the state file and reports it done without running it again. Otherwise the agent
   * restarts its connection to the OC.
   */
  async #restartSelf(): Promise<void> {
    if (this.options.restartSelf) {
      await this.#commandClient?.dispose();
      await this.options.restartSelf();
    }
    await this.#commandClient?.dispose();
    this.#openCommandChannel();
  }

  #openCommandChannel(): void {
    this.#commandClient = this.#client.subscribeCommands(
      (command) => this.#receive(command),
      (connected, reason) => this.#onChannelChange(connected, reason),
    );
  }

  #onChannelChange(connected: boolean, reason?: string): void {
    if (connected !== this.#connected) this.logger.info(connected ? 'command channel connected' : `command channel lost (${reason})`);
    this.#connected = connected;
    if (connected) {
      // The OC is back: heartbeats resume now rather than at the end of their backoff.
      this.#reconnected.abort();
      this.#reconnected = new AbortController();
    }
  }

  // --- commands ---

  #receive(command: AgentCommand): void {
    if (this.#running.has(command.id)) return;
    const run = this.#execute(command)
      .catch((error) => this.logger.error({ err: error, command: command.id }, 'command handling failed'))
      .finally(() => this.#running.delete(command.id));
    this.#running.set(command.id, run);
  }

  /** Executes a command at most once: remembered before it runs, answered from memory when redelivered. */
  async #execute(command: AgentCommand): Promise<void> {
    const log = this.logger.child({ command: command.id, kind: command.kind, node: command.nodeName });
    const done = this.#state.executed[command.id];
    if (done) {
      const colon = done.outcome.indexOf(':');
      const state = (colon < 0 ? done.outcome : done.outcome.slice(0, colon)) as Finished;
      await this.#report(command, { state, code: done.code, message: colon < 0 ? 'already done' : done.outcome.slice(colon + 1) });
      return;
    }
    if (command.operationId) {
      const newest = this.#state.epochs[command.operationId] ?? 0;
      if (command.epoch < newest) {
        await this.#finish(command, {
          state: 'REJECTED',
          code: 'STALE_EPOCH',
          message: `stale epoch ${command.epoch}; epoch ${newest} was already seen for this operation`,
        });
        return;
      }
      this.#state.epochs[command.operationId] = command.epoch;
    }
    const self = command.nodeName === this.config.manager.name;
    const driver = this.#drivers.find((candidate) => candidate.workers().some((worker) => worker.name === command.nodeName));
    if (command.kind === 'DEPLOY' || command.kind === 'REVERT') {
      try {
        await this.#finish(command, await this.#changeFiles(command, driver, self));
      } catch (error) {
        if (!(error instanceof DeployInterruptedError)) throw error;
        log.info(`${error.message}; carried on when the command is delivered again`);
      }
      return;
    }
    if (command.kind !== 'RESTART' || (!driver && !self)) {
      await this.#finish(
        command,
        driver
          ? { state: 'REJECTED', code: 'UNKNOWN_KIND', message: `unknown command kind ${command.kind}` }
          : { state: 'REJECTED', code: 'UNKNOWN_NODE', message: `no worker named ${command.nodeName} here` },
      );
      return;
    }
    const startedKey = `started:${command.id}`;
    const interrupted = this.#state.executed[startedKey];
    const before = self ? null : (driver as WorkerDriver).incarnation(command.nodeName);
    // The agent stopped while running this command. If the worker is still the run it recorded
    // before, the restart never took effect and runs now; otherwise it did, and is not run again.
    if (interrupted && (self || interrupted.outcome !== `RUNNING:${before}`)) {
      const state = self ? 'HEALTHY' : await this.#settledState(driver as WorkerDriver, command.nodeName);
      const message = `the agent restarted during this command; not run again, ${command.nodeName} is ${state}`;
      await this.#finish(command, state === 'HEALTHY' ? { state: 'SUCCEEDED', message } : { state: 'FAILED', code: 'INTERRUPTED', message });
      return;
    }
    this.#state.executed[startedKey] = { at: new Date().toISOString(), outcome: `RUNNING:${before}` };
    this.#stateFile.save(this.#state);
    await this.#report(command, { state: 'RUNNING', message: `restarting ${command.nodeName}` });
    if (self) {
      log.info('restarting the manager agent');
      await this.#restartSelf();
      await this.#finish(command, { state: 'SUCCEEDED', message: 'the manager agent reconnected to the OC' });
      return;
    }
    log.info('restarting worker');
    const outcome = await (driver as WorkerDriver).restart(command.nodeName);
    await this.#finish(
      command,
      outcome.ok
        ? { state: 'SUCCEEDED', message: outcome.message, details: outcome.details }
        : { state: 'FAILED', code: 'RESTART_FAILED', message: outcome.message, details: outcome.details },
    );
    log.info({ ok: outcome.ok }, outcome.message);
  }

  /** Carries out a DEPLOY or REVERT on a worker; the manager itself is not deployed to. */
  async #changeFiles(
    command: AgentCommand,
    driver: WorkerDriver | undefined,
    self: boolean,
  ): Promise<DeployOutcome | (CommandProgress & { state: 'REJECTED' })> {
    if (self) return { state: 'REJECTED', code: 'UNKNOWN_NODE', message: `managers are not deployed to: ${command.nodeName} is this cluster’s manager` };
    if (!driver) return { state: 'REJECTED', code: 'UNKNOWN_NODE', message: `no worker named ${command.nodeName} here` };
    const target = { commandId: command.id, name: command.nodeName, driver };
    const report = (progress: CommandProgress) => this.#report(command, progress);
    const { params } = command;
    if (command.kind === 'DEPLOY' && params.__typename === 'DeployParams') return this.#deployer.deploy(target, params, report);
    if (command.kind === 'REVERT' && params.__typename === 'RevertParams') return this.#deployer.revert(target, params, report);
    return { state: 'REJECTED', code: 'UNKNOWN_KIND', message: `${command.kind} came with ${params.__typename}, not its own parameters` };
  }

  /** The worker's state once it is no longer starting (the driver ends a start after startTimeout). */
  async #settledState(driver: WorkerDriver, name: string): Promise<string> {
    for (;;) {
      const state = (await driver.observe()).find((worker) => worker.name === name)?.state ?? 'unknown';
      if (state !== 'STARTING' || this.#stopped.signal.aborted) return state;
      await sleep(250, this.#stopped.signal);
    }
  }

  async #finish(command: AgentCommand, progress: CommandProgress & { state: Finished }) {
    const { state, code, message } = progress;
    this.#state.executed[command.id] = { at: new Date().toISOString(), outcome: `${state}:${message}`, ...(code ? { code } : {}) };
    // Gone in the same save that records the outcome: a kill between the two would otherwise resume a finished command.
    delete this.#state.executed[`started:${command.id}`];
    const cutoff = Date.now() - EXECUTED_RETENTION_MS;
    for (const [id, record] of Object.entries(this.#state.executed)) if (Date.parse(record.at) < cutoff) delete this.#state.executed[id];
    this.#stateFile.save(this.#state);
    await this.#report(command, progress);
  }

  /** Reports progress, retrying while the OC is away; the command is redelivered if this never lands. */
  async #report(command: AgentCommand, progress: CommandProgress) {
    const backoff = new Backoff(250, 10_000);
    for (let attempt = 0; attempt < 20 && !this.#stopped.signal.aborted; attempt += 1) {
      try {
        await this.#client.reportCommandProgress(command.id, command.epoch, progress);
        return;
      } catch (error) {
        if (error instanceof OcRefusedError || error instanceof CredentialRefusedError) {
          this.logger.warn({ command: command.id, err: error.message }, 'the OC refused a command report');
          return;
        }
        await sleep(backoff.next(), this.#stopped.signal);
      }
    }
  }
}
