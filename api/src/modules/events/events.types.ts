export type EventChannel = 'topology' | 'status' | 'operations' | 'schedules';

/** An event as a module emits it inside its transaction, before it has a sequence. */
export interface EventDraft {
  channel: EventChannel;
  type: string;
  clusterId: string | null;
  nodeId: string | null;
  payload: Record<string, unknown>;
}

export interface PublishedEvent extends EventDraft {
  sequence: number;
  at: Date;
}

/** Sent instead of replaying when the events a subscriber missed are no longer retained. */
export interface ResyncRequired {
  kind: 'resync';
  sequence: number;
  reason: string;
}
