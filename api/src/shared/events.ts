import type { Executor } from '../db/client.ts';

export type EventChannel = 'topology' | 'status' | 'operations' | 'schedules' | 'alerts';

/** An event as a module emits it inside its transaction, before it has a sequence. */
export interface EventDraft<Type extends string = string, Payload extends object = object> {
  channel: EventChannel;
  type: Type;
  clusterId: string | null;
  nodeId: string | null;
  payload: Payload;
}

/** An event once stored: its place in the one sequence that orders all events, and when. */
export type Published<Event extends EventDraft = EventDraft> = Event & { sequence: number; at: Date };

/** Where events go: stored within the transaction that caused them, published after it commits. */
export interface EventLog {
  append(tx: Executor, drafts: EventDraft[], at: Date): Promise<Published[]>;
  publish(events: readonly Published[]): void;
}

/** Sent instead of replaying when the events a subscriber missed are no longer retained. */
export interface ResyncRequired {
  kind: 'resync';
  sequence: number;
  reason: string;
}

export function isResync(item: object): item is ResyncRequired {
  return 'kind' in item && item.kind === 'resync';
}
