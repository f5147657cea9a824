/**
 * Runs `load` on request, never twice at once and at most once per `minIntervalMs`. Requests
 * that arrive meanwhile merge into one more run, so a burst of live events costs one refetch.
 */
export class Refresher {
  #running = false;
  #pending = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastStart = 0;
  #disposed = false;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly minIntervalMs = 1_000,
  ) {}

  request = (): void => {
    if (this.#disposed) return;
    if (this.#running || this.#timer) {
      this.#pending = true;
      return;
    }
    const wait = this.#lastStart + this.minIntervalMs - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        void this.#run();
      }, wait);
      return;
    }
    void this.#run();
  };

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #run(): Promise<void> {
    this.#running = true;
    this.#pending = false;
    this.#lastStart = Date.now();
    try {
      await this.load();
    } finally {
      this.#running = false;
      if (this.#pending) this.request();
    }
  }
}
