import type { Client } from '@urql/core';
import { onEnd, pipe, type Source, type Subscription, subscribe } from 'wonka';
import { backoffDelay } from '$lib/utils/backoff';

/** Every event the OC streams carries the sequence to resume after, resync requests included. */
export interface SequencedEvent {
  __typename: string;
  sequence: number;
}

/** What to subscribe to and what to do with each event; `LiveEventStream.follow` keeps it running. */
export interface Feed<Event extends SequencedEvent> {
  /** Subscribes after `afterSequence` (null: from now on); `undefined` items carry no event. */
  open(client: Client, afterSequence: number | null): Source<Event | undefined>;
  /** A resync request moves the sequence on even when it is not newer: the OC skipped ahead. */
  isResync(event: Event): boolean;
  receive(event: Event): void;
}

/**
 * One subscription that survives reconnects: it keeps the last sequence seen and subscribes
 * again from there each time it starts, so that the OC replays what was missed.
 */
export class ResumableSubscription<Event extends SequencedEvent> {
  #lastSequence: number | null = null;
  #active: Subscription | null = null;
  #retries = 0;
  #running = false;

  constructor(
    private readonly client: Client,
    private readonly feed: Feed<Event>,
  ) {}

  start(): void {
    this.#running = true;
    this.#subscribe();
  }

  stop(): void {
    this.#running = false;
    this.#unsubscribe();
  }

  #subscribe(): void {
    this.#unsubscribe();
    let subscription: Subscription | undefined;
    subscription = pipe(
      this.feed.open(this.client, this.#lastSequence),
      // The OC ends the stream of a subscriber that fell too far behind; start again from where it was.
      onEnd(() => {
        if (!subscription || this.#active !== subscription) return;
        this.#active = null;
        setTimeout(
          () => {
            if (this.#running && !this.#active) this.#subscribe();
          },
          backoffDelay(this.#retries++),
        );
      }),
      subscribe((event) => this.#accept(event)),
    );
    this.#active = subscription;
  }

  #accept(event: Event | undefined): void {
    if (!event) return;
    this.#retries = 0;
    // A replay after reconnecting may repeat events that arrived just before the connection dropped.
    const last = this.#lastSequence;
    if (!this.feed.isResync(event) && last !== null && event.sequence <= last) return;
    this.#lastSequence = event.sequence;
    this.feed.receive(event);
  }

  #unsubscribe(): void {
    const subscription = this.#active;
    // Cleared first: onEnd also runs on unsubscribing, and must not take it for the OC ending the stream.
    this.#active = null;
    subscription?.unsubscribe();
  }
}
