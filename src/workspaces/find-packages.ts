/**
 * The packages of a repository, as `devstack init` and hot restart see them: the npm/yarn `workspaces` of the root
 * package.json, or pnpm-workspace.yaml's `packages`; in a repository without workspaces, every
 * package.json a few folders down (a repo of separate services with no root package.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { parse as parseYaml } from 'yaml';

export interface PackageManifest {
  readonly name?: string;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly main?: string;
  readonly module?: string;
  readonly types?: string;
  readonly exports?: unknown;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly workspaces?: readonly string[] | { readonly packages?: readonly string[] };
}

export interface RepoPackage {
  /** Folder relative to the repository root, `/`-separated; '' for the root itself. */
  readonly dir: string;
  readonly manifest: PackageManifest;
}

export type WorkspaceSource = 'npm workspaces' | 'pnpm-workspace.yaml' | 'package.json files';

export interface RepoPackages {
  readonly source: WorkspaceSource;
  readonly packages: readonly RepoPackage[];
  readonly packageManager: 'npm' | 'pnpm' | 'yarn';
}

/** Never searched for packages or sources. */
export const SKIPPED_FOLDERS: readonly string[] = [
  '**/node_modules/**',
  '**/.git/**',
  '**/dist/**',
  '**/build/**',
  '**/coverage/**',
  '**/.next/**',
  '**/.devstack/**',
  '**/logs/**',
];

export function readManifest(file: string): PackageManifest | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as PackageManifest) : undefined;
  } catch {
    return undefined; // unreadable or not JSON: not a package we can use
  }
}

function workspacePatterns(
  root: string,
  manifest: PackageManifest | undefined,
): { source: WorkspaceSource; patterns: string[] } | undefined {
  const declared = manifest?.workspaces;
  const npm = Array.isArray(declared) ? declared : (declared as { packages?: readonly string[] } | undefined)?.packages;
  if (npm !== undefined && npm.length > 0) return { source: 'npm workspaces', patterns: [...npm] };
  const pnpmFile = join(root, 'pnpm-workspace.yaml');
  if (existsSync(pnpmFile)) {
    try {
      const parsed = parseYaml(readFileSync(pnpmFile, 'utf8')) as { packages?: unknown } | null;
      const packages = Array.isArray(parsed?.packages) ? parsed.packages.filter((item): item is string => typeof item === 'string') : [];
      if (packages.length > 0) return { source: 'pnpm-workspace.yaml', patterns: packages };
    } catch {
      // an unparsable pnpm-workspace.yaml: fall back to looking for package.json files
    }
  }
  return undefined;
}

export function findPackages(root: string): RepoPackages {
  const rootManifest = readManifest(join(root, 'package.json'));
  const declared = workspacePatterns(root, rootManifest);
  const patterns = declared?.patterns.map((pattern) =>
    pattern.startsWith('!') ? pattern : `${pattern.replace(/\/+$/, '')}/package.json`,
  ) ?? ['*/package.json', '*/*/package.json', '*/*/*/package.json'];
  const files = globSync(patterns, { cwd: root, ignore: [...SKIPPED_FOLDERS], absolute: false, dot: false }).sort();
  const packages = files.flatMap((file) => {
    const manifest = readManifest(join(root, file));
    return manifest === undefined ? [] : [{ dir: dirname(file) === '.' ? '' : dirname(file).split('\\').join('/'), manifest }];
  });
  return {
    source: declared?.source ?? 'package.json files',
    packages,
    packageManager: existsSync(join(root, 'pnpm-lock.yaml')) ? 'pnpm' : existsSync(join(root, 'yarn.lock')) ? 'yarn' : 'npm',
  };
}

/** `packages/shared` → the name of the folder's package, for "via @clinic/shared" style messages. */
export function relativeDir(root: string, dir: string): string {
  return relative(root, dir).split('\\').join('/');
}
