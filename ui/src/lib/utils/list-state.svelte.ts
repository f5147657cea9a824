import { describeError, describeLoadError } from './handle-error';

/**
 * What a list view shows besides its items: whether it has loaded, why it could not, and the item
 * an action (enabling, deleting) is busy with. A subclass fetches; `act` runs an action and reloads.
 */
export abstract class ListState {
  loaded = $state(false);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  busyId = $state<string | null>(null);

  constructor(private readonly loadFailure: string) {}

  /** Fetches the items; a failure keeps the last ones on screen. */
  protected abstract fetch(): Promise<void>;

  load = async (): Promise<void> => {
    try {
      await this.fetch();
      this.error = null;
    } catch (error) {
      this.error = describeLoadError(error, this.loadFailure);
    } finally {
      this.loaded = true;
    }
  };

  /** Runs an action on one item; the OC's refusal (or `fallback`, when it cannot be reached) shows as `actionError`. */
  protected async act(id: string, fallback: string, change: () => Promise<{ message: string } | null>): Promise<void> {
    this.busyId = id;
    this.actionError = null;
    try {
      this.actionError = (await change())?.message ?? null;
      await this.load();
    } catch (error) {
      this.actionError = describeError(error, fallback);
    } finally {
      this.busyId = null;
    }
  }
}
