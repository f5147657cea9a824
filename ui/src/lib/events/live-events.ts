import type { Client } from '@urql/core';
import type { Client as SocketClient } from 'graphql-ws';
import { getContext, onMount, setContext } from 'svelte';
import { map, pipe } from 'wonka';
import { type AlertChange, type AlertEvent, AlertEventsSubscription } from '$lib/alerts/alerts.graphql';
import { EventManager } from './event-manager';
import {
  type NodeStatusChange,
  type NodeStatusEvent,
  NodeStatusEventsSubscription,
  type TopologyChange,
  type TopologyEvent,
  TopologyEventsSubscription,
} from './events.graphql';
import { type Feed, ResumableSubscription, type SequencedEvent } from './resumable-subscription';

export type LiveEvents = {
  NodeStatusChanged: [NodeStatusChange];
  TopologyChanged: [TopologyChange];
  /** A node's inventory changed: only its own page shows it, so it is not a topology change for the other views. */
  InventoryChanged: [TopologyChange];
  /** An alert was raised, fired, resolved, held back or acknowledged: the navigation counts it. */
  AlertChanged: [AlertChange];
  /** Events may have been missed: views refetch their data with queries. */
  Resync: [];
};

/**
 * The one place live events enter the dashboard. Every subscription runs here: the status,
 * topology and alert streams for as long as the session lasts, and whatever a view follows while it is
 * open. After every reconnect each one subscribes again with `afterSequence`, so that the OC
 * replays what was missed.
 */
export class LiveEventStream {
  #events = new EventManager<LiveEvents>();
  #subscriptions = new Set<{ start(): void; stop(): void }>();
  #connected = false;
  #unlisten: (() => void)[];

  constructor(
    private readonly client: Client,
    socket: SocketClient,
  ) {
    this.follow<NodeStatusEvent>({
      open: (client, afterSequence) =>
        pipe(
          client.subscription(NodeStatusEventsSubscription, { afterSequence }),
          map((result) => result.data?.nodeStatusChanged),
        ),
      isResync: (event) => event.__typename === 'ResyncRequired',
      receive: (event) => (event.__typename === 'ResyncRequired' ? this.#events.emit('Resync') : this.#events.emit('NodeStatusChanged', event)),
    });
    this.follow<TopologyEvent>({
      open: (client, afterSequence) =>
        pipe(
          client.subscription(TopologyEventsSubscription, { afterSequence }),
          map((result) => result.data?.topologyEvents),
        ),
      isResync: (event) => event.__typename === 'ResyncRequired',
      receive: (event) => {
        if (event.__typename === 'ResyncRequired') this.#events.emit('Resync');
        else this.#events.emit(event.kind === 'INVENTORY_CHANGED' ? 'InventoryChanged' : 'TopologyChanged', event);
      },
    });
    this.follow<AlertEvent>({
      open: (client, afterSequence) =>
        pipe(
          client.subscription(AlertEventsSubscription, { afterSequence }),
          map((result) => result.data?.alerts),
        ),
      isResync: (event) => event.__typename === 'ResyncRequired',
      receive: (event) => (event.__typename === 'ResyncRequired' ? this.#events.emit('Resync') : this.#events.emit('AlertChanged', event)),
    });
    this.#unlisten = [
      socket.on('connected', () => {
        this.#connected = true;
        for (const subscription of this.#subscriptions) subscription.start();
        // Whatever happened before these subscriptions started is only in a fresh query.
        this.#events.emit('Resync');
      }),
      // graphql-ws would resubscribe with the old variables; we resubscribe from the last sequence instead.
      socket.on('closed', () => {
        this.#connected = false;
        for (const subscription of this.#subscriptions) subscription.stop();
      }),
    ];
  }

  on<Name extends keyof LiveEvents>(name: Name, handler: (...args: LiveEvents[Name]) => void): () => void {
    return this.#events.on(name, handler);
  }

  /** Keeps a subscription running, resumed after each reconnect, until the returned function is called. */
  follow<Event extends SequencedEvent>(feed: Feed<Event>): () => void {
    const subscription = new ResumableSubscription(this.client, feed);
    this.#subscriptions.add(subscription);
    if (this.#connected) subscription.start();
    return () => {
      this.#subscriptions.delete(subscription);
      subscription.stop();
    };
  }

  /** Asks every view to refetch, e.g. when HTTP requests work again after failing. */
  resync(): void {
    this.#events.emit('Resync');
  }

  dispose(): void {
    for (const unlisten of this.#unlisten) unlisten();
    for (const subscription of this.#subscriptions) subscription.stop();
    this.#subscriptions.clear();
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
