import type { Clock } from '../clock.ts';
import type { Database, Transaction } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { AuditEntry, AuditResult, AuditWriter } from './audit.ts';
import type { EventDraft, EventLog, Published } from './events.ts';
import { actorId, actorName, type RequestMeta } from './actor.ts';
import { DomainError } from './domain-error.ts';
import { redact, storable } from './secrets.ts';

/** What an audited change records: the action, its target and its (redacted) arguments. */
export interface AuditIntent {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  args?: unknown;
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
      if (meta?.audit && intent) meta.audit.written = true;
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

  /** Audits a call that ended without running a change: refused, invalid, or with nothing to do. */
  async recordOutcome(meta: RequestMeta, intent: AuditIntent, result: AuditResult, code: string | null, message: string | null): Promise<void> {
    await this.#insertOrMinimal({ ...this.entry(meta, intent, this.clock.now(), result, code, null), message: message === null ? null : storable(message, 2000) });
    if (meta.audit) meta.audit.written = true;
  }

  private async recordFailure(meta: RequestMeta, intent: AuditIntent, error: unknown): Promise<void> {
    const expected = error instanceof DomainError;
    try {
      await this.recordOutcome(meta, intent, expected ? 'FAILED' : 'ERROR', expected ? error.code : 'INTERNAL', expected ? error.message : null);
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
