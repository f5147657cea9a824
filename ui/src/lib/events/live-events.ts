import type { Client } from '@urql/core';
import type { Client as SocketClient } from 'graphql-ws';
import { getContext, onMount, setContext } from 'svelte';
import { map, onEnd, pipe, type Source, subscribe, type Subscription } from 'wonka';
import { backoffDelay } from '$lib/utils/backoff';
import { EventManager } from './event-manager';
import {
  type NodeStatusChange,
  type NodeStatusEvent,
  NodeStatusEventsSubscription,
  type TopologyChange,
  type TopologyEvent,
  TopologyEventsSubscription,
} from './events.graphql';

export type LiveEvents = {
  NodeStatusChanged: [NodeStatusChange];
  TopologyChanged: [TopologyChange];
  /** Events may have been missed: views refetch their data with queries. */
  Resync: [];
};

type Stream = 'status' | 'topology';

/**
 * The one place live events enter the dashboard. It keeps the last sequence seen on each
 * stream and, after every reconnect, subscribes again with `afterSequence` so that the OC
 * replays what was missed. Views listen here instead of subscribing themselves.
 */
export class LiveEventStream {
  #events = new EventManager<LiveEvents>();
  #lastSequence: Record<Stream, number | null> = { status: null, topology: null };
  #active = new Map<Stream, Subscription>();
  #retries: Record<Stream, number> = { status: 0, topology: 0 };
  #connected = false;
  #unlisten: (() => void)[];

  constructor(
    private readonly client: Client,
    socket: SocketClient,
  ) {
    this.#unlisten = [
      socket.on('connected', () => {
        this.#connected = true;
        this.#subscribe('status');
        this.#subscribe('topology');
        // Whatever happened before these subscriptions started is only in a fresh query.
        this.#events.emit('Resync');
      }),
      // graphql-ws would resubscribe with the old variables; we resubscribe from the last sequence instead.
      socket.on('closed', () => {
        this.#connected = false;
        this.#stop('status');
        this.#stop('topology');
      }),
    ];
  }

  on<Name extends keyof LiveEvents>(name: Name, handler: (...args: LiveEvents[Name]) => void): () => void {
    return this.#events.on(name, handler);
  }

  /** Asks every view to refetch, e.g. when HTTP requests work again after failing. */
  resync(): void {
    this.#events.emit('Resync');
  }

  dispose(): void {
    for (const unlisten of this.#unlisten) unlisten();
    this.#stop('status');
    this.#stop('topology');
  }

  #subscribe(stream: Stream): void {
    this.#stop(stream);
    const afterSequence = this.#lastSequence[stream];
    const events: Source<NodeStatusEvent | TopologyEvent | undefined> =
      stream === 'status'
        ? pipe(
            this.client.subscription(NodeStatusEventsSubscription, { afterSequence }),
            map((result) => result.data?.nodeStatusChanged),
          )
        : pipe(
            this.client.subscription(TopologyEventsSubscription, { afterSequence }),
            map((result) => result.data?.topologyEvents),
          );
    let subscription: Subscription | undefined;
    subscription = pipe(
      events,
      // The OC ends a stream whose subscriber fell too far behind (after a ResyncRequired).
      onEnd(() => {
        if (!subscription || this.#active.get(stream) !== subscription) return;
        this.#active.delete(stream);
        setTimeout(() => {
          if (this.#connected && !this.#active.has(stream)) this.#subscribe(stream);
        }, backoffDelay(this.#retries[stream]++));
      }),
      subscribe((event) => this.#receive(stream, event)),
    );
    this.#active.set(stream, subscription);
  }

  #receive(stream: Stream, event: NodeStatusEvent | TopologyEvent | undefined): void {
    if (!event) return;
    this.#retries[stream] = 0;
    if (event.__typename === 'ResyncRequired') {
      this.#lastSequence[stream] = event.sequence;
      this.#events.emit('Resync');
      return;
    }
    // A replay after reconnecting may repeat events that arrived just before the connection dropped.
    const last = this.#lastSequence[stream];
    if (last !== null && event.sequence <= last) return;
    this.#lastSequence[stream] = event.sequence;
    if (event.__typename === 'NodeStatusChange') this.#events.emit('NodeStatusChanged', event);
    else this.#events.emit('TopologyChanged', event);
  }

  #stop(stream: Stream): void {
    const subscription = this.#active.get(stream);
    this.#active.delete(stream);
    subscription?.unsubscribe();
  }
}

const CONTEXT_KEY = Symbol('live-events');

export function setLiveEvents(stream: LiveEventStream): void {
  setContext(CONTEXT_KEY, stream);
}

export function getLiveEvents(): LiveEventStream {
  return getContext<LiveEventStream>(CONTEXT_KEY);
}

/** Calls `handler` for each live event of this kind while the calling component is mounted. */
export function onLiveEvent<Name extends keyof LiveEvents>(name: Name, handler: (...args: LiveEvents[Name]) => void): void {
  const stream = getLiveEvents();
  onMount(() => stream.on(name, handler));
}
