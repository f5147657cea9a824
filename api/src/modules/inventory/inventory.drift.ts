/** How one file on a node compares with what its baselines want there. */
export type DriftState = 'IN_SYNC' | 'MISSING' | 'UNEXPECTED' | 'DIFFERENT' | 'INSTALLED_NOT_LOADED';

export interface FileRef {
  kind: string;
  name: string;
  sha256: string;
}

export interface Drift<Wanted extends FileRef> {
  kind: string;
  name: string;
  state: DriftState;
  /** What the baselines want (absent for UNEXPECTED). */
  wanted: Wanted | null;
  /** The SHA-256 of what is installed (absent for MISSING). */
  installedSha256: string | null;
}

const key = (file: { kind: string; name: string }) => `${file.kind}\u0000${file.name}`;

/**
 * Compares a node's desired files with what it reports installed and what its process reports
 * loaded. A file is IN_SYNC when the wanted bytes are installed and loaded; INSTALLED_NOT_LOADED
 * when they are installed but the running process still has other bytes (it waits for a restart);
 * DIFFERENT when other bytes are installed (changed by hand, or an older version); MISSING when
 * nothing is installed under the name; UNEXPECTED when a file no baseline wants is installed.
 */
export function deriveDrift<Wanted extends FileRef>(wanted: readonly Wanted[], installed: readonly FileRef[], loaded: readonly FileRef[]): Drift<Wanted>[] {
  const installedByName = new Map(installed.map((file) => [key(file), file]));
  const loadedByName = new Map(loaded.map((file) => [key(file), file]));
  const wantedNames = new Set(wanted.map(key));
  const drift: Drift<Wanted>[] = wanted.map((file) => {
    const present = installedByName.get(key(file));
    const state: DriftState = !present
      ? 'MISSING'
      : present.sha256 !== file.sha256
        ? 'DIFFERENT'
        : loadedByName.get(key(file))?.sha256 === file.sha256
          ? 'IN_SYNC'
          : 'INSTALLED_NOT_LOADED';
    return { kind: file.kind, name: file.name, state, wanted: file, installedSha256: present?.sha256 ?? null };
  });
  for (const file of installed)
    if (!wantedNames.has(key(file))) drift.push({ kind: file.kind, name: file.name, state: 'UNEXPECTED', wanted: null, installedSha256: file.sha256 });
  return drift.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}
