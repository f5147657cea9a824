import type { Executor } from '../db/client.ts';
import type { ACTOR_TYPES } from './actor.ts';

/** How an audited call ended. */
export const AUDIT_RESULTS = ['SUCCESS', 'DENIED', 'FAILED', 'ERROR'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** One audit row as it is written: who did what to what, from where, and how it ended. */
export interface AuditEntry {
  at: Date;
  requestId: string | null;
  sourceAddress: string | null;
  actorType: (typeof ACTOR_TYPES)[number];
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  args: Record<string, unknown>;
  result: AuditResult;
  errorCode: string | null;
  message: string | null;
}

/** Where audit rows go (the audit module's repository). */
export interface AuditWriter {
  insert(executor: Executor, entry: AuditEntry): Promise<void>;
}
