import type { CommandProgress } from '../api-client.ts';
import type { ReportedState, RestartOutcome, WorkerDriver } from '../drivers/driver.ts';
import type { LoadedItem, WorkerInventory } from '../drivers/inventory.ts';
import { sleep as wait } from '../shared/backoff.ts';
import type { DeployParams, RevertParams } from '../shared/deploy-protocol.ts';
import type { ContentCache } from './content-cache.ts';
import { type FileChange, FileChangeError, type WorkerFiles } from './worker-files.ts';

/** The worker a command is for, and the driver that runs it. */
export interface DeployTarget {
  commandId: string;
  name: string;
  driver: WorkerDriver;
}

/**
 * Where the deployer records how far a command got, durably (the agent's state file), so that an
 * agent killed in the middle carries on from there when the command is redelivered.
 */
export interface CommandJournal {
  phase(commandId: string): string | undefined;
  record(commandId: string, phase: string): void;
}

export type DeployOutcome = CommandProgress & { state: 'SUCCEEDED' | 'FAILED' };

/** The agent is stopping: the command is left where the journal says, to be carried on when it is redelivered. */
export class DeployInterruptedError extends Error {}

export interface DeployerOptions {
  /** How often the gate looks at the worker. */
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Aborted when the agent stops. */
  signal?: AbortSignal;
}

/**
 * How far a command got, as the journal keeps it:
 *   INSTALLING:<incarnation>   the change may be partly applied (a revert from its manifest undoes it)
 *   RESTARTING:<incarnation>   the change is applied; the worker restarts unless it is no longer that run
 *   VERIFYING:<ms>             the worker runs the change since that time; the gate is judging it
 *   REVERTING:<incarnation>    (REVERT) the backup is being put back
 *   ROLLING_BACK:<reason>      (DEPLOY) the change failed and is being undone
 */
type Phase = 'INSTALLING' | 'RESTARTING' | 'VERIFYING' | 'REVERTING' | 'ROLLING_BACK';

type Verdict = { ok: true; healthyMs: number } | { ok: false; reason: string };

const STATE_WORDS: Record<ReportedState | 'UNKNOWN', string> = {
  HEALTHY: 'healthy',
  STARTING: 'still starting',
  UNHEALTHY: 'health check failing',
  STOPPED: 'not running',
  UNKNOWN: 'not observed',
};

/**
 * Carries out DEPLOY and REVERT commands, each on one worker (many at once): downloads what the change
 * installs, switches the files, restarts the worker if asked, and keeps the change only once the
 * worker has been healthy long enough with it loaded; otherwise it puts the previous files back.
 * Each phase is journalled before it starts, so no command's change is ever applied twice.
 */
export class Deployer {
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #signal: AbortSignal | undefined;

  constructor(
    private readonly cache: ContentCache,
    private readonly journal: CommandJournal,
    options: DeployerOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 250;
    this.#now = options.now ?? Date.now;
    this.#signal = options.signal;
    this.#sleep = options.sleep ?? ((ms) => wait(ms, options.signal));
  }

  async deploy(target: DeployTarget, params: DeployParams, report: (progress: CommandProgress) => Promise<void>): Promise<DeployOutcome> {
    const files = target.driver.files(target.name);
    if (!files) return { state: 'FAILED', message: `${target.name} has no files the agent manages` };
    const [phase, detail] = this.#recorded(target.commandId);
    switch (phase) {
      case undefined:
        return this.#install(target, files, params, report);
      case 'INSTALLING':
        // Killed while switching files: some may be new, some old. Back to all old, then the change once, in full.
        await files.revert(params.operationId);
        return this.#install(target, files, params, report);
      case 'RESTARTING':
        return this.#restartAndVerify(target, files, params, detail, true);
      case 'VERIFYING':
        // A time that cannot be read starts the window over rather than never closing it.
        return this.#verify(target, files, params, Number(detail) || this.#now());
      default:
        return this.#rollBack(target, files, params, detail);
    }
  }

  async revert(target: DeployTarget, params: RevertParams, report: (progress: CommandProgress) => Promise<void>): Promise<DeployOutcome> {
    const files = target.driver.files(target.name);
    if (!files) return { state: 'FAILED', message: `${target.name} has no files the agent manages` };
    const [phase, detail] = this.#recorded(target.commandId);
    let before = detail;
    if (phase === undefined) {
      if (!files.hasBackup(params.operationId)) return { state: 'SUCCEEDED', message: 'nothing to revert' };
      before = String(target.driver.incarnation(target.name));
      this.journal.record(target.commandId, `REVERTING:${before}`);
      await report({ state: 'RUNNING', message: `putting back the files operation ${params.operationId} replaced on ${target.name}` });
    }
    if (phase === undefined || phase === 'REVERTING') {
      // Again after a kill: a revert cut short finishes, a finished one finds nothing to do.
      await files.revert(params.operationId);
      this.journal.record(target.commandId, `RESTARTING:${before}`);
    }
    if (params.restart && phase !== 'VERIFYING') await this.#restartUnlessDone(target, before, phase !== undefined);
    this.journal.record(target.commandId, 'VERIFYING');
    const verdict = await this.#gate(target, null, params.minHealthyTimeMs, this.#now(), params.healthyDeadlineMs);
    const done = `${target.name} has its previous files back${params.restart ? ' and was restarted' : ''}`;
    return verdict.ok
      ? { state: 'SUCCEEDED', message: `${done}; healthy ${seconds(verdict.healthyMs)} since` }
      : { state: 'FAILED', message: `${done}, but ${verdict.reason}` };
  }

  async #install(target: DeployTarget, files: WorkerFiles, params: DeployParams, report: (progress: CommandProgress) => Promise<void>): Promise<DeployOutcome> {
    await report({ state: 'RUNNING', message: `${plannedChange(params)} on ${target.name}` });
    this.cache.prune();
    let sources: string[];
    try {
      sources = await Promise.all(params.install.map((file) => this.cache.fetch(file)));
    } catch (error) {
      return { state: 'FAILED', code: 'DOWNLOAD_FAILED', message: `${(error as Error).message}; ${target.name} is unchanged` };
    }
    const change: FileChange = {
      install: params.install.map(({ kind, name, sha256, size }, index) => ({ kind, name, sha256, size, source: sources[index] })),
      remove: params.remove.map(({ kind, name }) => ({ kind, name })),
    };
    const before = String(target.driver.incarnation(target.name));
    this.journal.record(target.commandId, `INSTALLING:${before}`);
    try {
      await files.apply(params.operationId, change);
    } catch (error) {
      if (error instanceof FileChangeError) return { state: 'FAILED', message: `${error.message}; ${target.name} is unchanged` };
      return this.#rollBack(target, files, params, `the files could not be switched (${(error as Error).message})`);
    }
    return this.#restartAndVerify(target, files, params, before, false);
  }

  /**
   * After the switch: restarts the worker if the change needs it (once: not if a run after `before`
   * already started), then judges it. healthyDeadline counts from the switch, so a restart that
   * hangs until the worker's start timeout eats into it rather than adding to it.
   */
  async #restartAndVerify(target: DeployTarget, files: WorkerFiles, params: DeployParams, before: string, recovering: boolean): Promise<DeployOutcome> {
    const switchedAt = this.#now();
    this.journal.record(target.commandId, `RESTARTING:${before}`);
    if (params.restart) {
      const outcome = await this.#restartUnlessDone(target, before, recovering);
      // A worker that is not even running is not worth waiting for; one that is may yet turn healthy within the deadline.
      if (outcome && !outcome.ok && (await this.#observe(target)) === 'STOPPED') {
        return this.#rollBack(target, files, params, `the restart after the change failed: ${outcome.message}`);
      }
    }
    return this.#verify(target, files, params, switchedAt);
  }

  /** Judges the change from `switchedAt`, when its files were switched in; keeps it or rolls it back. */
  async #verify(target: DeployTarget, files: WorkerFiles, params: DeployParams, switchedAt: number): Promise<DeployOutcome> {
    this.journal.record(target.commandId, `VERIFYING:${switchedAt}`);
    const verdict = await this.#gate(target, params, params.minHealthyTimeMs, switchedAt, params.healthyDeadlineMs);
    if (!verdict.ok) return this.#rollBack(target, files, params, verdict.reason);
    return {
      state: 'SUCCEEDED',
      message: `${describeChange(params)}; healthy ${seconds(verdict.healthyMs)}${loadedPhrase(params)}`,
      details: { installed: params.install.map((file) => file.name), removed: params.remove.map((file) => file.name), healthyMs: verdict.healthyMs },
    };
  }

  /** Puts the previous files back after a failed change, restarts the worker on them if the change had it restarted, and reports why. */
  async #rollBack(target: DeployTarget, files: WorkerFiles, params: DeployParams, reason: string): Promise<DeployOutcome> {
    this.journal.record(target.commandId, `ROLLING_BACK:${reason}`);
    try {
      await files.revert(params.operationId);
    } catch (error) {
      return { state: 'FAILED', message: `${reason}; putting the previous files back failed too: ${(error as Error).message}` };
    }
    if (params.restart) await target.driver.restart(target.name);
    const after = await this.#gate(target, null, 0, this.#now(), params.healthyDeadlineMs);
    return {
      state: 'FAILED',
      code: 'REVERTED',
      message: `reverted: ${reason}${after.ok ? '' : `; after the revert, ${after.reason}`}`,
    };
  }

  /** Restarts the worker; recovering, only if it is still the run recorded before the restart (otherwise the restart happened). */
  async #restartUnlessDone(target: DeployTarget, before: string, recovering: boolean): Promise<RestartOutcome | null> {
    if (recovering && String(target.driver.incarnation(target.name)) !== before) return null;
    return target.driver.restart(target.name);
  }

  /**
   * Waits until the worker has been healthy for `minHealthyMs` in a row and, with `change`, has
   * loaded what it installs and dropped what it removes; gives up `windowMs` after `since`. A worker
   * that does not say what it loaded (null), or loaded nothing of a kind, is taken not to load that kind.
   */
  async #gate(
    target: DeployTarget,
    change: Pick<DeployParams, 'install' | 'remove'> | null,
    minHealthyMs: number,
    since: number,
    windowMs: number,
  ): Promise<Verdict> {
    const deadline = since + windowMs;
    const window = seconds(windowMs);
    let healthySince: number | null = null;
    for (;;) {
      if (this.#signal?.aborted) throw new DeployInterruptedError(`the agent stopped while judging ${target.name}`);
      const state = await this.#observe(target);
      const now = this.#now();
      healthySince = state === 'HEALTHY' ? (healthySince ?? now) : null;
      const missing = healthySince !== null && change ? notLoaded(await this.#inventory(target), change) : [];
      if (healthySince !== null && missing.length === 0 && now - healthySince >= minHealthyMs) return { ok: true, healthyMs: now - healthySince };
      if (now >= deadline) {
        if (healthySince === null) return { ok: false, reason: `${target.name} was not healthy within ${window} after the change (${STATE_WORDS[state]})` };
        if (missing.length > 0) return { ok: false, reason: `${target.name} had not loaded ${missing.join(', ')} within ${window} after the change` };
        return { ok: false, reason: `${target.name} was not healthy for ${seconds(minHealthyMs)} in a row within ${window} after the change` };
      }
      await this.#sleep(this.#pollMs);
    }
  }

  async #observe(target: DeployTarget): Promise<ReportedState | 'UNKNOWN'> {
    return (await target.driver.observe()).find((worker) => worker.name === target.name)?.state ?? 'UNKNOWN';
  }

  async #inventory(target: DeployTarget): Promise<WorkerInventory | undefined> {
    return (await target.driver.inventory()).find((inventory) => inventory.name === target.name);
  }

  #recorded(commandId: string): [Phase | undefined, string] {
    const recorded = this.journal.phase(commandId);
    if (recorded === undefined) return [undefined, ''];
    const colon = recorded.indexOf(':');
    return colon < 0 ? [recorded as Phase, ''] : [recorded.slice(0, colon) as Phase, recorded.slice(colon + 1)];
  }
}

/**
 * The names of what the worker has not taken up yet: installed files not loaded with their new
 * hash, removed files still loaded. Everything is missing while the worker's inventory cannot be read.
 */
export function notLoaded(inventory: WorkerInventory | undefined, change: { install: LoadedItem[]; remove: Omit<LoadedItem, 'sha256'>[] }): string[] {
  if (!inventory) return [...change.install, ...change.remove].map((file) => file.name);
  const loaded = inventory.loaded;
  if (loaded === null) return [];
  const loadsKind = new Set(loaded.map((item) => item.kind));
  const missing = change.install.filter(
    (file) => loadsKind.has(file.kind) && !loaded.some((item) => item.kind === file.kind && item.name === file.name && item.sha256 === file.sha256),
  );
  const kept = change.remove.filter((file) => loadsKind.has(file.kind) && loaded.some((item) => item.kind === file.kind && item.name === file.name));
  return [...missing, ...kept].map((file) => file.name);
}

/** "installing hotfix-17.jar", "installing a.jar, b.xml, removing old.jar". */
function plannedChange(params: Pick<DeployParams, 'install' | 'remove'>): string {
  const parts = [];
  if (params.install.length) parts.push(`installing ${params.install.map((file) => file.name).join(', ')}`);
  if (params.remove.length) parts.push(`removing ${params.remove.map((file) => file.name).join(', ')}`);
  return parts.join(', ') || 'changing nothing';
}

/** "hotfix-17.jar installed", "a.jar, b.xml installed, old.jar removed". */
function describeChange(params: Pick<DeployParams, 'install' | 'remove'>): string {
  const parts = [];
  if (params.install.length) parts.push(`${params.install.map((file) => file.name).join(', ')} installed`);
  if (params.remove.length) parts.push(`${params.remove.map((file) => file.name).join(', ')} removed`);
  return parts.join(', ') || 'nothing changed';
}

/** " with it loaded", " with them loaded", " with the change loaded", " without it". */
function loadedPhrase({ install, remove }: Pick<DeployParams, 'install' | 'remove'>): string {
  if (install.length === 0) return remove.length === 0 ? '' : ` without ${remove.length === 1 ? 'it' : 'them'}`;
  if (remove.length > 0) return ' with the change loaded';
  return ` with ${install.length === 1 ? 'it' : 'them'} loaded`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
