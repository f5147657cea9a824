import type { ContentKind } from '../content/content.types.ts';

/** A file on a node's disk, as its manager hashed it. */
export interface InstalledItem {
  kind: ContentKind;
  name: string;
  sha256: string;
  size: number;
  modifiedAt: Date | null;
}

/** An item the running process says it loaded when it started. */
export interface LoadedItem {
  kind: ContentKind;
  name: string;
  sha256: string;
}

/** One row of a node's inventory, as a report makes it. */
export interface ItemState {
  kind: ContentKind;
  name: string;
  sha256: string;
  size: number | null;
  modifiedAt: Date | null;
  installed: boolean;
  loaded: boolean;
}

export type ItemKey = Pick<ItemState, 'kind' | 'name'>;

const keyOf = (item: ItemKey) => `${item.kind}\u0000${item.name}`;

/**
 * What a node has: each installed item, loaded when the process loaded the same hash (a file
 * changed since the process started is installed but not loaded), and each item the process has
 * loaded that is no longer installed. Sorted by kind and name.
 */
export function combine(installed: readonly InstalledItem[], loaded: readonly LoadedItem[]): ItemState[] {
  const loadedByKey = new Map(loaded.map((item) => [keyOf(item), item]));
  const items: ItemState[] = installed.map((item) => ({ ...item, installed: true, loaded: loadedByKey.get(keyOf(item))?.sha256 === item.sha256 }));
  const installedKeys = new Set(installed.map(keyOf));
  for (const item of loaded) {
    if (!installedKeys.has(keyOf(item))) items.push({ ...item, size: null, modifiedAt: null, installed: false, loaded: true });
  }
  return items.sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1));
}

function same(a: ItemState, b: ItemState): boolean {
  return (
    a.sha256 === b.sha256 &&
    a.size === b.size &&
    (a.modifiedAt?.getTime() ?? null) === (b.modifiedAt?.getTime() ?? null) &&
    a.installed === b.installed &&
    a.loaded === b.loaded
  );
}

/** What turns a node's stored inventory into the reported one: the items to write and the ones to delete. */
export function diffInventory(current: readonly ItemState[], reported: readonly ItemState[]): { upserts: ItemState[]; removals: ItemKey[] } {
  const currentByKey = new Map(current.map((item) => [keyOf(item), item]));
  const reportedKeys = new Set(reported.map(keyOf));
  return {
    upserts: reported.filter((item) => {
      const stored = currentByKey.get(keyOf(item));
      return !stored || !same(stored, item);
    }),
    removals: current.filter((item) => !reportedKeys.has(keyOf(item))).map(({ kind, name }) => ({ kind, name })),
  };
}
