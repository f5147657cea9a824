/**
 * Runs a periodic pass one at a time, on a timer and on demand. A caller asking while a pass is
 * under way gets the next pass, which starts once that one ends: a pass that read the clock before
 * the caller moved it, or before the caller's report committed, never stands in for one that sees
 * them. Callers asking meanwhile share that next pass. The timer skips a beat instead of queueing,
 * and hands a failed pass to `onError`: nobody awaits it, and an unhandled rejection would end
 * the process over, say, a database that was briefly away.
 */
export class SerialPass {
  #timer: NodeJS.Timeout | null = null;
  #current: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  every(intervalMs: number): void {
    this.#timer = setInterval(() => {
      if (!this.#current) this.#begin().catch(this.onError);
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for the passes already asked for. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await (this.#next ?? this.#current)?.then(ignore, ignore);
  }

  run(): Promise<void> {
    if (!this.#current) return this.#begin();
    const after = () => {
      this.#next = null;
      return this.#begin();
    };
    this.#next ??= this.#current.then(after, after);
    return this.#next;
  }

  #begin(): Promise<void> {
    const current = this.pass().finally(() => {
      if (this.#current === current) this.#current = null;
    });
    this.#current = current;
    return current;
  }
}

function ignore(): void {}
