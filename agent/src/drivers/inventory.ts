import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type ItemKind = 'PATCH' | 'ARTIFACT' | 'CONFIG';

/** A file on a worker's disk. */
export interface InstalledItem {
  kind: ItemKind;
  name: string;
  sha256: string;
  size: number;
  modifiedAt: string;
}

/** A file the worker's running process loaded when it started. */
export interface LoadedItem {
  kind: ItemKind;
  name: string;
  sha256: string;
}

/** A customer, application or tenant the worker hosts, as it reports it; its status is the worker's free text (a state, a version). */
export interface Tenant {
  name: string;
  status: string | null;
}

/**
 * What a worker has: installed on disk, loaded by its process (null when the worker does not
 * say), and the tenants it hosts (absent or null when it does not report tenants: the OC keeps what it had).
 */
export interface WorkerInventory {
  name: string;
  installed: InstalledItem[];
  loaded: LoadedItem[] | null;
  tenants?: Tenant[] | null;
}

/** What a worker's running process reports: what it loaded, and its tenants if it has any to report. */
export interface ReportedLoad {
  loaded: LoadedItem[];
  tenants: Tenant[] | null;
}

const ITEM_KINDS = new Set<unknown>(['PATCH', 'ARTIFACT', 'CONFIG']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function loadedItems(value: unknown): LoadedItem[] | null {
  if (!Array.isArray(value)) return null;
  const valid = value.every((item) => isObject(item) && ITEM_KINDS.has(item.kind) && typeof item.name === 'string' && typeof item.sha256 === 'string');
  return valid ? value.map(({ kind, name, sha256 }) => ({ kind, name, sha256 })) : null;
}

function tenantList(value: unknown): Tenant[] | null {
  if (!Array.isArray(value)) return null;
  const valid = value.every(
    (tenant) =>
      isObject(tenant) && typeof tenant.name === 'string' && (tenant.status === undefined || tenant.status === null || typeof tenant.status === 'string'),
  );
  return valid ? value.map(({ name, status }) => ({ name, status: status ?? null })) : null;
}

/**
 * Reads a worker's inventory answer (from its inventory URL or command): either a list of loaded
 * items, `[{ kind, name, sha256 }]`, or `{ loaded: [...], tenants: [{ name, status? }] }`. Null
 * for anything else: an answer that is not what the protocol describes is not trusted at all.
 */
export function parseReportedLoad(body: unknown): ReportedLoad | null {
  if (Array.isArray(body)) {
    const loaded = loadedItems(body);
    return loaded && { loaded, tenants: null };
  }
  if (!isObject(body)) return null;
  const loaded = loadedItems(body.loaded);
  const tenants = body.tenants === undefined ? null : tenantList(body.tenants);
  if (!loaded || (body.tenants !== undefined && !tenants)) return null;
  return { loaded, tenants };
}

/** Where a worker's items live: its patches and artifacts directories, and its managed config files. */
export interface InventorySources {
  patchesDir?: string;
  artifactsDir?: string;
  configFiles?: readonly string[];
}

/** The files an inventory covers, with their kind: the visible files of each directory, and each config file. */
export function inventoryFiles(sources: InventorySources): { kind: ItemKind; file: string }[] {
  const inDirectory = (kind: ItemKind, directory: string | undefined) => {
    if (!directory) return [];
    try {
      return fs
        .readdirSync(directory, { withFileTypes: true })
        .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
        .map((entry) => ({ kind, file: path.join(directory, entry.name) }));
    } catch {
      return [];
    }
  };
  return [
    ...inDirectory('PATCH', sources.patchesDir),
    ...inDirectory('ARTIFACT', sources.artifactsDir),
    ...(sources.configFiles ?? []).map((file) => ({ kind: 'CONFIG' as const, file })),
  ];
}

export function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/**
 * Hashes the files of one worker's inventory. A file whose size and modification time are what
 * they were is not read again: artifacts can be large, and inventories are taken every heartbeat.
 */
export class FileHasher {
  readonly #cache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  async installed(sources: InventorySources): Promise<InstalledItem[]> {
    const items: InstalledItem[] = [];
    const files = inventoryFiles(sources);
    const listed = new Set(files.map(({ file }) => file));
    for (const file of this.#cache.keys()) if (!listed.has(file)) this.#cache.delete(file);
    for (const { kind, file } of files) {
      try {
        const stat = await fs.promises.stat(file);
        if (!stat.isFile()) continue;
        const cached = this.#cache.get(file);
        const sha256 = cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs ? cached.sha256 : await sha256Of(file);
        this.#cache.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
        items.push({ kind, name: path.basename(file), sha256, size: stat.size, modifiedAt: stat.mtime.toISOString() });
      } catch {
        // Gone between listing and hashing (or unreadable): not installed as far as this report goes.
        this.#cache.delete(file);
      }
    }
    return items;
  }
}

/** A stable digest of an inventory, to send it only when it changed. */
export function inventoryDigest(inventory: WorkerInventory): string {
  const order = (a: { kind: string; name: string }, b: { kind: string; name: string }) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`);
  const canonical = {
    installed: [...inventory.installed].sort(order).map((item) => [item.kind, item.name, item.sha256, item.size, item.modifiedAt]),
    loaded: inventory.loaded === null ? null : [...inventory.loaded].sort(order).map((item) => [item.kind, item.name, item.sha256]),
    tenants: !inventory.tenants ? null : [...inventory.tenants].sort((a, b) => a.name.localeCompare(b.name)).map((tenant) => [tenant.name, tenant.status]),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
