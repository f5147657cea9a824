type EventMap = Record<string, unknown[]>;
type Handler<Args extends unknown[]> = (...args: Args) => void;

/** A typed event bus: one map from event name to payload, checked at every `on` and `emit`. */
export class EventManager<Events extends EventMap> {
  #handlers: { [Name in keyof Events]?: Set<Handler<Events[Name]>> } = {};

  /** Returns the function that removes the handler. */
  on<Name extends keyof Events>(name: Name, handler: Handler<Events[Name]>): () => void {
    let handlers = this.#handlers[name];
    if (!handlers) {
      handlers = new Set();
      this.#handlers[name] = handlers;
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
    };
  }

  emit<Name extends keyof Events>(name: Name, ...args: Events[Name]): void {
    for (const handler of this.#handlers[name] ?? []) handler(...args);
  }
}
