/**
 * `.devstack/data/<name>.json`: whether a database's storage went through its init scripts. Init
 * runs once, when the storage is first created; a storage whose init failed is created afresh on
 * the next `up`, so a half-initialised database never lingers.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface StorageState {
  readonly mode: string;
  readonly initialized: boolean;
}

export function storageStatePath(dataDir: string): string {
  return `${dataDir}.json`;
}

export function readStorageState(dataDir: string): StorageState | undefined {
  const path = storageStatePath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StorageState;
  } catch {
    return undefined;
  }
}

export function writeStorageState(dataDir: string, state: StorageState): void {
  ensureDataRoot(dirname(dataDir));
  writeFileSync(storageStatePath(dataDir), `${JSON.stringify(state)}\n`);
}

/**
 * Creates `.devstack/data` with a `.devstack/.gitignore` of `*`, so the databases' data is never
 * committed, whether or not the project's own .gitignore mentions it (as Python's venvs do).
 */
export function ensureDataRoot(dataRoot: string): void {
  mkdirSync(dataRoot, { recursive: true });
  const ignore = join(dirname(dataRoot), '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, "# written by devstack: databases' data\n*\n");
}

export function removeStorageState(dataDir: string): void {
  rmSync(storageStatePath(dataDir), { force: true });
}
