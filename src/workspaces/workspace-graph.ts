/**
 * The local packages a service's code depends on: its workspace's dependencies (dependencies,
 * devDependencies, peer and optional ones) that name another workspace package, transitively.
 * What `watch: true` watches besides the service's own folder. A package that a service of the
 * stack builds (a `tsc -w` in its folder) is watched at its build output instead of its sources,
 * so its dependents restart on the built files, not on a half-built package.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { findPackages, type PackageManifest } from './find-packages.js';

export interface WatchedPackage {
  /** The package's name (`@clinic/shared`), for "via …" in restart lines. */
  readonly name: string;
  /** Absolute folder: the package, or its build output folder. */
  readonly dir: string;
  /** Whether `dir` is the build output of a package built in the stack. */
  readonly output: boolean;
}

interface LocalPackage {
  readonly name: string;
  readonly dir: string;
  readonly manifest: PackageManifest;
}

export interface WorkspaceGraph {
  /** The local packages the package in `dir` depends on, transitively, nearest first; [] when `dir` is no package. */
  packagesUsedBy(dir: string, builtDirs: ReadonlySet<string>): WatchedPackage[];
}

function localDependencies(manifest: PackageManifest): string[] {
  return [manifest.dependencies, manifest.devDependencies, manifest.peerDependencies, manifest.optionalDependencies].flatMap((deps) =>
    Object.keys(deps ?? {}),
  );
}

/** The first path an entry point field names (`main`, `module`, `types`, `exports` '.'), as written. */
function entryPath(manifest: PackageManifest): string | undefined {
  const firstString = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of ['.', 'import', 'require', 'default', 'node', 'types']) {
        const found = firstString(record[key]);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return firstString(manifest.exports) ?? manifest.main ?? manifest.module ?? manifest.types;
}

/** `./dist/index.js` → `dist`; undefined for a file at the package's root or one under `src`. */
export function outputFolderOf(manifest: PackageManifest): string | undefined {
  const entry = entryPath(manifest);
  if (entry === undefined || isAbsolute(entry)) return undefined;
  const segments = entry.replace(/^\.\//, '').split('/');
  if (segments.length < 2 || segments[0] === 'src' || segments[0] === '..' || segments[0] === '') return undefined;
  return segments[0];
}

export function readWorkspaceGraph(root: string): WorkspaceGraph {
  const { packages } = findPackages(root);
  const byName = new Map<string, LocalPackage>();
  const byDir = new Map<string, LocalPackage>();
  for (const found of packages) {
    const name = found.manifest.name;
    if (name === undefined || found.dir === '') continue; // the root itself is not a shared package
    const local = { name, dir: resolve(root, found.dir), manifest: found.manifest };
    byName.set(name, local);
    byDir.set(local.dir, local);
  }
  return {
    packagesUsedBy(dir, builtDirs) {
      const own = byDir.get(resolve(dir));
      if (own === undefined) return [];
      const seen = new Set<string>([own.name]);
      const queue = localDependencies(own.manifest);
      const used: WatchedPackage[] = [];
      while (queue.length > 0) {
        const local = byName.get(queue.shift()!);
        if (local === undefined || seen.has(local.name)) continue;
        seen.add(local.name);
        const output = builtDirs.has(local.dir) ? outputFolderOf(local.manifest) : undefined;
        used.push({ name: local.name, dir: output === undefined ? local.dir : join(local.dir, output), output: output !== undefined });
        queue.push(...localDependencies(local.manifest));
      }
      return used;
    },
  };
}
