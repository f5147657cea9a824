import type { Clock } from '../clock.ts';
import type { Database, Transaction } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { type AuditedCall, actorId, actorName, type RequestMeta } from './actor.ts';
import type { AuditEntry, AuditResult, AuditWriter } from './audit.ts';
import { DomainError } from './domain-error.ts';
import type { EventDraft, EventLog, Published } from './events.ts';
import { redact, storable } from './secrets.ts';

/** What an audited change records: the action, its target and its (redacted) arguments. */
export interface AuditIntent {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  args?: unknown;
}

/** How a call that threw ended: an expected domain failure, or an unexpected error whose message is not recorded. */
function failure(error: unknown): [AuditResult, string, string | null] {
  return error instanceof DomainError ? ['FAILED', error.code, error.message] : ['ERROR', 'INTERNAL', null];
}

/** Collects what a change wants to publish and whom it affected, while its transaction runs. */
export class UnitOfWork {
  readonly events: EventDraft[] = [];
  readonly afterCommit: (() => void)[] = [];
  targetId: string | null = null;
  message: string | null = null;

  constructor(readonly tx: Transaction) {}

  emit(...drafts: EventDraft[]): void {
    this.events.push(...drafts);
  }

  /** Records the target once it is known (e.g. the id of a row the change created). */
  target(id: string): void {
    this.targetId = id;
  }
}

/**
 * Runs a change so that it, its events and its audit row commit together or not at all, and
 * publishes the events only after the commit. A failed change leaves one audit row saying why.
 */
export class Transactor {
  /** The API calls whose audit row their change has stored (with the change, or saying why it failed). */
  readonly #recorded = new WeakSet<AuditedCall>();

  constructor(
    private readonly db: Database,
    private readonly events: EventLog,
    private readonly audit: AuditWriter,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run<T>(meta: RequestMeta | null, intent: AuditIntent | null, change: (work: UnitOfWork) => Promise<T>): Promise<T> {
    let published: Published[] = [];
    let committed: (() => void)[] = [];
    try {
      const result = await this.db.transaction(async (tx) => {
        const work = new UnitOfWork(tx);
        committed = work.afterCommit;
        const value = await change(work);
        const at = this.clock.now();
        if (meta && intent) await this.audit.insert(tx, this.entry(meta, intent, at, 'SUCCESS', null, work));
        // Last, so the sequence counter's lock is held for as short a time as possible.
        published = await this.events.append(tx, work.events, at);
        return value;
      });
      if (meta?.call && intent) this.#recorded.add(meta.call);
      this.events.publish(published);
      for (const callback of committed) {
        try {
          callback();
        } catch (error) {
          this.logger.error({ err: error }, 'an after-commit callback failed');
        }
      }
      return result;
    } catch (error) {
      if (meta && intent) await this.recordFailure(meta, intent, error);
      throw error;
    }
  }

  /**
   * Runs one call made through the API so that it leaves exactly one audit row: the row its change
   * stored, or else one saying how the call ended without a change (nothing to do, invalid, an
   * unexpected error). The handler passes the meta it is given to the services it calls.
   */
  async call<T>(meta: RequestMeta, intent: AuditIntent, handler: (meta: RequestMeta) => Promise<T>): Promise<T> {
    const call: AuditedCall = { action: intent.action };
    try {
      const result = await handler({ ...meta, call });
      if (!this.#recorded.has(call)) await this.recordOutcome(meta, intent, 'SUCCESS', null, null);
      return result;
    } catch (error) {
      if (!this.#recorded.has(call)) await this.recordOutcome(meta, intent, ...failure(error));
      throw error;
    }
  }

  /** Audits a call that ended without running a change: refused, invalid, or with nothing to do. */
  async recordOutcome(meta: RequestMeta, intent: AuditIntent, result: AuditResult, code: string | null, message: string | null): Promise<void> {
    await this.#insertOrMinimal({
      ...this.entry(meta, intent, this.clock.now(), result, code, null),
      message: message === null ? null : storable(message, 2000),
    });
  }

  private async recordFailure(meta: RequestMeta, intent: AuditIntent, error: unknown): Promise<void> {
    try {
      await this.recordOutcome(meta, intent, ...failure(error));
      if (meta.call) this.#recorded.add(meta.call);
    } catch (auditError) {
      this.logger.error({ err: auditError, action: intent.action }, 'could not write the audit row of a failed change');
    }
  }

  /** A row that cannot be stored whole (a constraint, a value no column takes) is stored without its arguments, never dropped. */
  async #insertOrMinimal(entry: AuditEntry): Promise<void> {
    try {
      await this.audit.insert(this.db, entry);
    } catch (error) {
      this.logger.warn({ err: error, action: entry.action }, 'the audit row could not be stored in full; storing a minimal one');
      await this.audit.insert(this.db, {
        ...entry,
        args: {},
        message: `The audit row could not be stored in full (its arguments were dropped).${entry.message ? ` ${entry.message.slice(0, 500)}` : ''}`,
      });
    }
  }

  private entry(meta: RequestMeta, intent: AuditIntent, at: Date, result: AuditResult, code: string | null, work: UnitOfWork | null) {
    return {
      at,
      requestId: meta.requestId,
      sourceAddress: meta.clientAddress ?? null,
      actorType: meta.actor.type,
      actorId: actorId(meta.actor),
      actorName: actorName(meta.actor),
      action: intent.action,
      targetType: intent.targetType ?? null,
      targetId: work?.targetId ?? intent.targetId ?? null,
      args: (redact(intent.args ?? {}) ?? {}) as Record<string, unknown>,
      result,
      errorCode: code,
      message: work?.message ? storable(work.message, 2000) : null,
    };
  }
}
