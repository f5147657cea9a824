import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InventorySources, ItemKind } from '../drivers/inventory.ts';

/** What a DEPLOY changes on one worker: files to put in place (from the content cache) and files to take away. */
export interface FileChange {
  /** `source` is the cached file holding the bytes. */
  install: { kind: ItemKind; name: string; sha256: string; size: number; source: string }[];
  remove: { kind: ItemKind; name: string }[];
}

/** A worker's deployable files, changed so that every change can be undone exactly. */
export interface WorkerFiles {
  /** Backs up, under `key`, everything the change replaces or removes, then switches each file in with a rename. */
  apply(key: string, change: FileChange): Promise<void>;
  /** Puts back, byte for byte, what apply under `key` replaced or removed, and removes what it added; false if nothing is kept under key. */
  revert(key: string): Promise<boolean>;
  /** Whether a backup exists under key (for REVERT and for recovery after the agent was killed). */
  hasBackup(key: string): boolean;
}

/** A change this worker cannot take (a kind it has no place for, a bad name); refused before anything is touched. */
export class FileChangeError extends Error {}

/** How long backups are kept: a REVERT for rollbackOnFailure may come long after its DEPLOY. */
export const BACKUP_RETENTION_MS = 7 * 86_400_000;

/** The hidden directory, beside a worker's files, where the agent keeps backups and staged files; the inventory skips hidden entries. */
export const AGENT_DIR = '.opscenter';

/**
 * Refuses a file name that could reach outside its directory or hide from the inventory. The OC
 * checks names too; this side re-checks, as it is the one that writes to disk.
 */
export function checkFileName(name: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  const bad = name.length === 0 || name.length > 255 || /[/\\\u0000-\u001f\u007f]/.test(name) || name.includes('..') || name.startsWith('.');
  if (bad) throw new FileChangeError(`"${name}" is not an acceptable file name`);
}

/** A backup's record of what a change touched in one directory, written before anything is touched. */
interface Manifest {
  key: string;
  /** The files the change touched, by name in the directory, and whether each existed before the first change under the key. */
  entries: { name: string; existed: boolean }[];
}

/**
 * A process worker's files on its own disk: patches and artifacts in their directories, and its
 * managed config files. Each change is recorded (a manifest) before it starts and every file is
 * switched with a rename, so that an agent killed at any point leaves each file old or new, never
 * torn, and the manifest says how to put everything back.
 */
export class DirectoryWorkerFiles implements WorkerFiles {
  constructor(
    private readonly sources: InventorySources,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(key: string, change: FileChange): Promise<void> {
    checkFileName(key);
    const installs = change.install.map((file) => ({ target: this.#target(file.kind, file.name), source: file.source }));
    const removals = change.remove.map((file) => ({ target: this.#target(file.kind, file.name), source: null }));
    const files = [...installs, ...removals];
    const targets = files.map((file) => file.target);
    const repeated = targets.find((target, index) => targets.indexOf(target) !== index);
    if (repeated) throw new FileChangeError(`the change names ${path.basename(repeated)} twice`);
    for (const dir of this.#directories()) this.#prune(dir);

    const byDirectory = new Map<string, typeof files>();
    for (const file of files) byDirectory.set(path.dirname(file.target), [...(byDirectory.get(path.dirname(file.target)) ?? []), file]);
    // Everything is recorded, in every directory, before the first file changes.
    const newlyKept: { target: string; backup: string }[] = [];
    for (const [dir, changed] of byDirectory) {
      const backupDir = this.#backupDir(dir, key);
      fs.mkdirSync(backupDir, { recursive: true });
      fs.mkdirSync(path.join(dir, AGENT_DIR, 'staging'), { recursive: true });
      // A second change under the same key keeps the first backup: a revert goes back to before the key's first change.
      const manifest = readManifest(backupDir) ?? { key, entries: [] };
      for (const { target } of changed) {
        const name = path.basename(target);
        if (manifest.entries.some((entry) => entry.name === name)) continue;
        const existed = isFile(target);
        manifest.entries.push({ name, existed });
        if (existed) newlyKept.push({ target, backup: path.join(backupDir, name) });
      }
      writeAtomically(path.join(backupDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    }
    for (const { target, backup } of newlyKept) keep(target, backup);
    for (const dir of byDirectory.keys()) syncDirectory(this.#backupDir(dir, key));

    for (const { target, source } of files) {
      if (source === null) {
        fs.rmSync(target, { force: true });
        continue;
      }
      const staged = path.join(path.dirname(target), AGENT_DIR, 'staging', `${path.basename(target)}.${randomUUID()}`);
      fs.copyFileSync(source, staged);
      fsyncFile(staged);
      fs.renameSync(staged, target);
    }
    for (const dir of byDirectory.keys()) syncDirectory(dir);
  }

  async revert(key: string): Promise<boolean> {
    checkFileName(key);
    let reverted = false;
    for (const dir of this.#directories()) {
      const backupDir = this.#backupDir(dir, key);
      const manifest = readManifest(backupDir);
      if (!manifest) continue;
      for (const { name, existed } of manifest.entries) {
        const target = path.join(dir, name);
        const backup = path.join(backupDir, name);
        // A backup already moved back (a revert cut short before) is not there any more: the target is what it was.
        if (existed && fs.existsSync(backup)) fs.renameSync(backup, target);
        else if (!existed) fs.rmSync(target, { force: true });
      }
      syncDirectory(dir);
      // The manifest goes last, so that a revert cut short is done again in full.
      for (const entry of fs.readdirSync(backupDir)) if (entry !== 'manifest.json') fs.rmSync(path.join(backupDir, entry), { force: true });
      fs.rmSync(backupDir, { recursive: true, force: true });
      syncDirectory(path.dirname(backupDir));
      reverted = true;
    }
    return reverted;
  }

  hasBackup(key: string): boolean {
    checkFileName(key);
    return this.#directories().some((dir) => fs.existsSync(path.join(this.#backupDir(dir, key), 'manifest.json')));
  }

  /** Where a file of this kind and name goes on this worker; refused if the worker has no such place. */
  #target(kind: ItemKind, name: string): string {
    checkFileName(name);
    if (kind === 'PATCH' || kind === 'ARTIFACT') {
      const dir = kind === 'PATCH' ? this.sources.patchesDir : this.sources.artifactsDir;
      if (!dir) throw new FileChangeError(`${name}: this worker has no ${kind === 'PATCH' ? 'patches' : 'artifacts'} directory`);
      return path.join(dir, name);
    }
    const configFile = this.sources.configFiles?.find((file) => path.basename(file) === name);
    if (!configFile) throw new FileChangeError(`${name}: this worker has no managed config file of that name`);
    return configFile;
  }

  /** Every directory a change can touch, where backups may be kept. */
  #directories(): string[] {
    const dirs = [this.sources.patchesDir, this.sources.artifactsDir, ...(this.sources.configFiles ?? []).map((file) => path.dirname(file))];
    return [...new Set(dirs.filter((dir) => dir !== undefined))];
  }

  #backupDir(dir: string, key: string): string {
    return path.join(dir, AGENT_DIR, 'backup', key);
  }

  /** Drops backups older than the retention, and staged files a killed agent left behind. */
  #prune(dir: string): void {
    const cutoff = this.now() - BACKUP_RETENTION_MS;
    const expired = (file: string) => {
      try {
        return fs.statSync(file).mtimeMs < cutoff;
      } catch {
        return false;
      }
    };
    const list = (sub: string) => {
      try {
        return fs.readdirSync(path.join(dir, AGENT_DIR, sub)).map((entry) => path.join(dir, AGENT_DIR, sub, entry));
      } catch {
        return [];
      }
    };
    for (const backup of list('backup')) if (expired(path.join(backup, 'manifest.json'))) fs.rmSync(backup, { recursive: true, force: true });
    for (const staged of list('staging')) if (expired(staged)) fs.rmSync(staged, { force: true });
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function readManifest(backupDir: string): Manifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Keeps the current bytes of `target` at `backup`: a hard link when it can (no copy, same bytes), a copy otherwise. */
function keep(target: string, backup: string): void {
  fs.rmSync(backup, { force: true });
  try {
    fs.linkSync(target, backup);
  } catch {
    fs.copyFileSync(target, backup);
    fsyncFile(backup);
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(temporary, text);
  fsyncFile(temporary);
  fs.renameSync(temporary, file);
  syncDirectory(path.dirname(file));
}

function fsyncFile(file: string): void {
  const handle = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}

/** Makes renames and new entries in `dir` durable. */
function syncDirectory(dir: string): void {
  const handle = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}
