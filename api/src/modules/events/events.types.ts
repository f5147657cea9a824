import type { EventChannel, Published, ResyncRequired } from '../../shared/events.ts';
import type { TopologyEvent } from '../../shared/topology-events.ts';
import type { AlertChangedEvent } from '../alerts/alerts.events.ts';
import type { StatusChangedEvent } from '../liveness/liveness.events.ts';
import type { OperationsEvent } from '../operations/operations.events.ts';

/** The event map: what each channel carries. Every event is built by its module's typed builder. */
export interface ChannelEvents {
  topology: TopologyEvent;
  status: StatusChangedEvent;
  operations: OperationsEvent;
  schedules: never;
  alerts: AlertChangedEvent;
}

export type ChannelEvent<Channel extends EventChannel> = Published<ChannelEvents[Channel]>;
export type StreamItem<Channel extends EventChannel> = ChannelEvent<Channel> | ResyncRequired;
