import { createSubscriber } from 'svelte/reactivity';

/** The current time, ticking once a second while something on screen reads it. */
class Now {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 1_000);
    return () => clearInterval(timer);
  });

  get current(): number {
    this.#subscribe();
    return Date.now();
  }
}

export const now = new Now();
