/**
 * `.devstack/data/<name>.json`: whether a database's storage went through its init scripts. Init
 * runs once, when the storage is first created; a storage whose init failed is created afresh on
 * the next `up`, so a half-initialised database never lingers.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
  mkdirSync(dirname(dataDir), { recursive: true });
  writeFileSync(storageStatePath(dataDir), `${JSON.stringify(state)}\n`);
}

export function removeStorageState(dataDir: string): void {
  rmSync(storageStatePath(dataDir), { force: true });
}
