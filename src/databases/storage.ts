/**
 * Where a database's files live, and wiping them. Native and embedded servers keep their data in
 * `.devstack/data/<name>` in the project; containers in a named volume (container.ts).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResolvedDatabase } from '../config/resolved.js';
import { unreachableAncestor, type RunAs } from './run-as.js';
import { ensureDataRoot, readStorageState, removeStorageState } from './storage-state.js';

/** Storage whose init scripts failed is started over, so init runs on a clean database again. */
export function initFailedBefore(database: ResolvedDatabase): boolean {
  return readStorageState(database.dataDir)?.initialized === false;
}

/**
 * The data folder of a server that runs as `runAs`: in the project, unless devstack runs as root in
 * a project that user cannot reach (a checkout under /root, a 0700 temp folder). Changing the
 * project's permissions behind the user's back is not an option, so the data then goes to
 * /var/lib/devstack/<project>/<name>, still one per project and database. `log` says so.
 */
export function serverDataDir(database: ResolvedDatabase, runAs: RunAs | undefined, log: (lines: readonly string[]) => void): string {
  // The parents with ordinary permissions (a recursive mkdir would give them the data folder's 0700).
  ensureDataRoot(dirname(database.dataDir));
  if (runAs === undefined || unreachableAncestor(database.dataDir, runAs) === undefined) return database.dataDir;
  const fallback = fallbackDataDir(database);
  mkdirSync(dirname(fallback), { recursive: true, mode: 0o755 });
  log([
    `devstack: ${dirname(database.dataDir)} is not reachable by user "${runAs.name}" (the server does not run as root): its data lives in ${fallback}`,
  ]);
  return fallback;
}

function fallbackDataDir(database: ResolvedDatabase): string {
  return join('/var/lib/devstack', database.projectId, basename(database.dataDir));
}

/** Removes a database's local storage (`devstack down --volumes`); volumes are container.ts's. */
export function removeLocalStorage(database: ResolvedDatabase): void {
  rmSync(database.dataDir, { recursive: true, force: true });
  const fallback = fallbackDataDir(database);
  rmSync(fallback, { recursive: true, force: true });
  if (existsSync(dirname(fallback)) && readdirSync(dirname(fallback)).length === 0) rmSync(dirname(fallback), { recursive: true });
  rmSync(`${database.dataDir}.conf`, { force: true });
  removeStorageState(database.dataDir);
}
