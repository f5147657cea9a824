import type { Clock } from '../../clock.ts';
import type { Database, Executor } from '../../db/client.ts';
import type { AgentActor, RequestMeta } from '../../shared/actor.ts';
import { NotFoundError, ValidationError } from '../../shared/domain-error.ts';
import { BoundedQueue } from '../../shared/event-queue.ts';
import type { Transactor, UnitOfWork } from '../../shared/transactor.ts';
import { validateId, validateText } from '../../shared/validation.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import { StaleCommandReportError } from './commands.errors.ts';
import { type CommandsRepository, type CommandWithNode, OUTSTANDING } from './commands.repository.ts';
import type { CommandRow, CommandSpec, CommandState } from './commands.table.ts';

export type IssueCommandInput = CommandSpec & {
  clusterId: string;
  nodeId: string;
  nodeName: string;
  operationId?: string | null;
  stepId?: string | null;
  epoch?: number;
};

/**
 * Why a manager refused or failed a command, for programs to act on (the message is for people).
 * Agents from before these codes send none; their refusals and failures are plain failures.
 */
export const COMMAND_OUTCOME_CODES = ['STALE_EPOCH', 'UNKNOWN_KIND', 'UNKNOWN_NODE', 'RESTART_FAILED', 'INTERRUPTED', 'REVERTED', 'DOWNLOAD_FAILED'] as const;
export type CommandOutcomeCode = (typeof COMMAND_OUTCOME_CODES)[number];

export interface CommandReport {
  commandId: string;
  epoch: number;
  state: Exclude<CommandState, 'PENDING' | 'CANCELLED'>;
  code?: CommandOutcomeCode | null;
  message?: string | null;
  details?: Record<string, unknown> | null;
}

export type ReportListener = (command: CommandRow, report: CommandReport) => void;

const TERMINAL: CommandState[] = ['SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELLED'];
const MAX_BACKLOG = 10_000;

/**
 * The command channel between the OC and its managers. Commands are stored first; a manager's
 * subscription replays every unfinished command of its cluster and then receives new ones.
 */
export class CommandsService {
  readonly #subscribers = new Map<string, Set<(command: CommandWithNode) => void>>();
  readonly #reportListeners: ReportListener[] = [];

  constructor(
    private readonly db: Database,
    private readonly repository: CommandsRepository,
    private readonly nodes: NodesService,
    private readonly transactor: Transactor,
    private readonly clock: Clock,
  ) {}

  onReport(listener: ReportListener): void {
    this.#reportListeners.push(listener);
  }

  /** Stores a command within the caller's transaction; it is sent once that commits. */
  async issue(work: UnitOfWork, input: IssueCommandInput): Promise<CommandRow> {
    const row = await this.repository.insert(work.tx, {
      clusterId: input.clusterId,
      nodeId: input.nodeId,
      kind: input.kind,
      params: input.params,
      operationId: input.operationId ?? null,
      stepId: input.stepId ?? null,
      epoch: input.epoch ?? 0,
      createdAt: this.clock.now(),
    });
    work.afterCommit.push(() => this.#deliver({ ...row, nodeName: input.nodeName }));
    return row;
  }

  async cancel(tx: Executor, commandId: string, message: string): Promise<void> {
    const current = await this.repository.find(tx, commandId);
    if (current && OUTSTANDING.includes(current.state)) await this.repository.setState(tx, commandId, 'CANCELLED', message, this.clock.now());
  }

  /** Whether a cluster's manager may download a content item: an unfinished DEPLOY command of its cluster names it. */
  namesContent(clusterId: string, contentId: string): Promise<boolean> {
    return this.repository.namesContent(this.db, clusterId, contentId);
  }

  async outstanding(clusterId: string): Promise<CommandWithNode[]> {
    const rows = await this.repository.outstanding(this.db, clusterId);
    const names = await this.nodes.namesOf([...new Set(rows.map((row) => row.nodeId))]);
    return rows.flatMap((row) => {
      const nodeName = names.get(row.nodeId);
      return nodeName === undefined ? [] : [{ ...row, nodeName }];
    });
  }

  /** Every unfinished command of the cluster, then each new one as it is issued. */
  stream(clusterId: string): AsyncIterableIterator<CommandWithNode> {
    const sent = new Set<string>();
    let replaying = true;
    const buffered: CommandWithNode[] = [];
    const listeners = this.#subscribers.get(clusterId) ?? new Set();
    this.#subscribers.set(clusterId, listeners);
    const queue = new BoundedQueue<CommandWithNode>(
      MAX_BACKLOG,
      () => {
        throw new Error('command backlog overflow');
      },
      () => listeners.delete(listener),
    );
    const send = (command: CommandWithNode) => {
      if (sent.has(command.id)) return;
      sent.add(command.id);
      queue.push(command);
    };
    const listener = (command: CommandWithNode) => (replaying ? buffered.push(command) : send(command));
    listeners.add(listener);
    void this.outstanding(clusterId)
      .then((commands) => commands.forEach(send))
      .finally(() => {
        replaying = false;
        for (const command of buffered.splice(0)) send(command);
      });
    return queue;
  }

  /** A manager reports what became of one of its cluster's commands. Reports after the end are ignored. */
  async report(meta: RequestMeta, actor: AgentActor, input: CommandReport): Promise<CommandRow> {
    const commandId = validateId(input.commandId, 'commandId');
    const message = input.message ? validateText(input.message, 'message', 2000) : null;
    if (!Number.isInteger(input.epoch) || input.epoch < 0)
      throw new ValidationError('INVALID_ARGUMENT', 'epoch must be the whole number the command carried.', 'epoch');
    let changed: CommandRow | null = null;
    const row = await this.transactor.run(
      meta,
      {
        action: 'command.report',
        targetType: 'command',
        targetId: commandId,
        args: { state: input.state, code: input.code ?? null, epoch: input.epoch, message },
      },
      async (work) => {
        const current = await this.repository.find(work.tx, commandId);
        if (!current || current.clusterId !== actor.clusterId) throw new NotFoundError('command', commandId);
        if (current.epoch !== input.epoch) throw new StaleCommandReportError(commandId, input.epoch, current.epoch);
        if (TERMINAL.includes(current.state) || current.state === input.state) return current;
        changed = await this.repository.setState(work.tx, commandId, input.state, message, this.clock.now());
        return changed;
      },
    );
    if (changed) for (const listener of this.#reportListeners) listener(changed, input);
    return row;
  }

  #deliver(command: CommandWithNode): void {
    for (const listener of this.#subscribers.get(command.clusterId) ?? []) listener(command);
  }
}
