import type { Logger } from 'pino';
import { type OcClient, OcRefusedError, OcUnavailableError } from './api-client.ts';
import type { WorkerDriver } from './drivers/driver.ts';
import { inventoryDigest, type WorkerInventory } from './drivers/inventory.ts';

/** Bounds of one report, well within the OC's limits (it refuses more than 10,000 items and tenants). */
const REPORT_NODES = 500;
const REPORT_ITEMS = 5_000;

/**
 * Reports what the workers have installed and loaded, each worker's only when it changed since
 * the OC last accepted it, so that a steady fleet sends nothing but heartbeats. A report runs
 * beside the heartbeats, never in their way: hashing a new artifact or a slow worker takes time.
 */
export class InventoryReporter {
  /** The digest of each worker's inventory as the OC last accepted it. */
  readonly #reported = new Map<string, string>();
  #running: Promise<void> | null = null;

  constructor(
    private readonly client: OcClient,
    private readonly logger: Logger,
    /** Called when the OC does not know some of the workers: membership should be reported again. */
    private readonly onUnknownWorkers: () => void,
  ) {}

  /** Starts a report unless one is still running (the next heartbeat starts another). */
  schedule(drivers: readonly WorkerDriver[]): void {
    this.#running ??= this.#report(drivers)
      .then(({ refused }) => {
        if (refused) this.onUnknownWorkers();
      })
      .catch((error) => {
        // The OC away is the heartbeats' business to report; inventories are sent again when they notice it back.
        if (!(error instanceof OcUnavailableError)) this.logger.error({ err: error }, 'inventory report failed');
      })
      .finally(() => {
        this.#running = null;
      });
  }

  /** Resolves once the report running now, if any, has ended. */
  async settled(): Promise<void> {
    await this.#running;
  }

  /** After a (re)join the OC may not have what it had: every inventory goes again. */
  resendAll(): void {
    this.#reported.clear();
  }

  /**
   * Sends the inventories that changed, in reports of bounded size. `refused` is true when the OC
   * did not know some of the workers (membership should be reported again). Throws only when the
   * OC cannot be reached; a refused report is logged and tried again next time.
   */
  async #report(drivers: readonly WorkerDriver[]): Promise<{ refused: boolean }> {
    const changed: { inventory: WorkerInventory; digest: string }[] = [];
    for (const inventory of (await Promise.all(drivers.map((driver) => driver.inventory()))).flat()) {
      const digest = inventoryDigest(inventory);
      if (this.#reported.get(inventory.name) !== digest) changed.push({ inventory, digest });
    }
    let refused = false;
    let batch: typeof changed = [];
    let items = 0;
    const send = async () => {
      if (batch.length === 0) return;
      try {
        const receipt = await this.client.reportInventory(batch.map(({ inventory }) => inventory));
        const unknown = new Set(receipt.refused.map((refusal) => refusal.node));
        for (const { inventory, digest } of batch) if (!unknown.has(inventory.name)) this.#reported.set(inventory.name, digest);
        if (unknown.size > 0) refused = true;
        if (receipt.changed.length > 0) this.logger.info({ changed: receipt.changed }, 'inventory reported');
      } catch (error) {
        if (!(error instanceof OcRefusedError)) throw error;
        this.logger.warn({ code: error.code, err: error.message }, 'the OC refused an inventory report');
      }
      batch = [];
      items = 0;
    };
    for (const entry of changed) {
      const size = entry.inventory.installed.length + (entry.inventory.loaded?.length ?? 0) + (entry.inventory.tenants?.length ?? 0);
      if (batch.length >= REPORT_NODES || (batch.length > 0 && items + size > REPORT_ITEMS)) await send();
      batch.push(entry);
      items += size;
    }
    await send();
    return { refused };
  }
}
