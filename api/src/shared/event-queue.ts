/**
 * An async iterator fed by pushes, for one subscriber. It is bounded: a subscriber that falls
 * `limit` items behind gets `overflowItem` and the stream ends, instead of the server holding
 * an ever-growing backlog for a slow client.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | null = null;
  #done = false;
  #onClose: () => void;

  constructor(
    private readonly limit: number,
    private readonly overflowItem: () => T,
    onClose: () => void = () => {},
  ) {
    this.#onClose = onClose;
  }

  push(item: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: item, done: false });
      return;
    }
    if (this.#items.length >= this.limit) {
      this.#items = [this.overflowItem()];
      this.#finish();
      return;
    }
    this.#items.push(item);
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onClose();
    if (this.#waiting && this.#items.length === 0) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: undefined, done: true });
    }
  }
}
