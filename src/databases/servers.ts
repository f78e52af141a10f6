/**
 * Gets a database's storage ready and says how to launch its server, for each mode. Runs before
 * every start; creating the storage (initdb, a data folder, a container volume) happens only the
 * first time, or again after a failed init.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResolvedDatabase } from '../config/resolved.js';
import type { CommandLine } from '../util/shell-words.js';
import { containerRunArgs, ensureImage, ensureVolume, removeContainer } from './container.js';
import type { DatabasePlan } from './plan.js';
import { chownTo, unprivilegedUser, unreachableAncestor, type RunAs } from './run-as.js';
import { runCommand } from './run-command.js';
import { readStorageState, removeStorageState, writeStorageState } from './storage-state.js';

export interface Launch {
  readonly command: CommandLine;
  readonly runAs: RunAs | undefined;
  /** Added to the server's environment (a password handed over without showing it in argv). */
  readonly env: Readonly<Record<string, string>>;
}

export type Prepared = { readonly ok: true; readonly launch: Launch; readonly created: boolean } | { readonly ok: false; readonly message: string; readonly hint?: string };

export interface PrepareInput {
  readonly name: string;
  readonly database: ResolvedDatabase;
  readonly plan: DatabasePlan;
  readonly port: number;
  /** Writes lines to the database's log file (initdb's output, image pulls…). */
  readonly log: (lines: readonly string[]) => void;
  /** The server's PATH (initdb finds its helpers through it). */
  readonly pathVariable: string | undefined;
}

export async function prepareServer(input: PrepareInput): Promise<Prepared> {
  const { plan, database } = input;
  if (plan.mode === 'container') return prepareContainer(input, plan);
  return database.engine === 'postgres' ? preparePostgres(input, plan.binaries.binDir, plan.binaries.version) : prepareRedis(input, plan.binaries.binDir);
}

/** Storage whose init scripts failed is started over, so init runs on a clean database again. */
function initFailedBefore(dataDir: string): boolean {
  return readStorageState(dataDir)?.initialized === false;
}

async function preparePostgres(input: PrepareInput, binDir: string, version: string | undefined): Promise<Prepared> {
  const { database, port, log, plan } = input;
  const runAs = unprivilegedUser();
  // The parents with ordinary permissions (a recursive mkdir would give them the data folder's 0700).
  mkdirSync(dirname(database.dataDir), { recursive: true });
  const dataDir = clusterDir(database, runAs);
  if (dataDir !== database.dataDir) {
    log([`devstack: ${dirname(database.dataDir)} is not reachable by user "${runAs!.name}" (PostgreSQL cannot run as root): the cluster lives in ${dataDir}`]);
  }
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile) && initFailedBefore(database.dataDir)) {
    log(['devstack: the init scripts failed last time: creating the database afresh']);
    rmSync(dataDir, { recursive: true, force: true });
  }
  let created = false;
  if (existsSync(versionFile)) {
    const dataVersion = readFileSync(versionFile, 'utf8').trim();
    if (version !== undefined && dataVersion.split('.')[0] !== version.split('.')[0]) {
      return {
        ok: false,
        message: `${dataDir} holds PostgreSQL ${dataVersion} data, but the server found (${plan.mode}) is PostgreSQL ${version}`,
        hint: `set version: '${dataVersion}' (and mode) to use the server that made it, or wipe it with "devstack down --volumes"`,
      };
    }
  } else {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chownTo(dataDir, runAs);
    chownTo(dirname(dataDir), runAs);
    const passwordFile = `${dataDir}.password`;
    writeFileSync(passwordFile, `${database.password ?? ''}\n`, { mode: 0o600 });
    chownTo(passwordFile, runAs);
    log([`devstack: creating the database cluster in ${dataDir}`]);
    const initdb = await runCommand(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', database.user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
      { uid: runAs?.uid, gid: runAs?.gid, env: { PATH: input.pathVariable ?? '/usr/bin:/bin', LC_ALL: 'C' } },
    );
    rmSync(passwordFile, { force: true });
    log([...initdb.stdout.split('\n'), ...initdb.stderr.split('\n')].filter((line) => line.trim() !== ''));
    if (!initdb.ok) {
      rmSync(dataDir, { recursive: true, force: true });
      return { ok: false, message: `initdb failed: ${initdb.problem}` };
    }
    writeStorageState(database.dataDir, { mode: plan.mode, initialized: database.init === undefined });
    created = true;
  }
  const command: CommandLine = {
    type: 'argv',
    file: join(binDir, 'postgres'),
    // TCP on 127.0.0.1 only and no Unix socket: nothing in /var/run to own, nothing off the machine.
    args: ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'logging_collector=off'],
  };
  return { ok: true, launch: { command, runAs, env: { LC_ALL: 'C' } }, created };
}

async function prepareRedis(input: PrepareInput, binDir: string): Promise<Prepared> {
  const { database, port, log } = input;
  const { dataDir } = database;
  if (existsSync(dataDir) && initFailedBefore(dataDir)) {
    log(['devstack: the init scripts failed last time: starting with empty data']);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const created = !existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (created) writeStorageState(dataDir, { mode: 'native', initialized: database.init === undefined });
  // A config file rather than arguments: a password in argv would show in every `ps`.
  const configFile = `${dataDir}.conf`;
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dataDir}`, 'appendonly yes', 'save 60 1', 'daemonize no', 'protected-mode yes'];
  if (database.password !== undefined) lines.push(`requirepass "${database.password.replace(/["\\]/g, '\\$&')}"`);
  writeFileSync(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { ok: true, launch: { command: { type: 'argv', file: join(binDir, 'redis-server'), args: [configFile] }, runAs: undefined, env: {} }, created };
}

async function prepareContainer(input: PrepareInput, plan: Extract<DatabasePlan, { mode: 'container' }>): Promise<Prepared> {
  const { database, log } = input;
  const { runtime } = plan;
  await removeContainer(runtime, database.containerName); // left by a run whose supervisor was killed
  const image = await ensureImage(runtime, plan.image, log);
  if (!image.ok) return { ok: false, message: image.message, hint: image.hint };
  const volume = await ensureVolume(runtime, database, initFailedBefore(database.dataDir), log);
  if (!volume.ok) return { ok: false, message: volume.message };
  if (volume.created) writeStorageState(database.dataDir, { mode: 'container', initialized: database.init === undefined });
  const env: Record<string, string> = database.engine === 'postgres' ? { POSTGRES_PASSWORD: database.password ?? '' } : {};
  return { ok: true, launch: { command: { type: 'argv', file: runtime.program, args: containerRunArgs(database, input.name, plan.image, input.port) }, runAs: undefined, env }, created: volume.created };
}

/**
 * Where a Postgres cluster lives: in the project, unless devstack runs as root in a project the
 * unprivileged user cannot reach (a checkout under /root, a 0700 temp folder). Changing the
 * project's permissions behind the user's back is not an option, so the cluster then goes to
 * /var/lib/devstack/<project>/<name>, still one per project and database.
 */
function clusterDir(database: ResolvedDatabase, runAs: RunAs | undefined): string {
  if (runAs === undefined || unreachableAncestor(database.dataDir, runAs) === undefined) return database.dataDir;
  const fallback = fallbackClusterDir(database);
  mkdirSync(dirname(fallback), { recursive: true, mode: 0o755 });
  return fallback;
}

function fallbackClusterDir(database: ResolvedDatabase): string {
  return join('/var/lib/devstack', database.projectId, basename(database.dataDir));
}

/** Removes a database's storage in every mode (`devstack down --volumes`). */
export function removeLocalStorage(database: ResolvedDatabase): void {
  rmSync(database.dataDir, { recursive: true, force: true });
  const fallback = fallbackClusterDir(database);
  rmSync(fallback, { recursive: true, force: true });
  if (existsSync(dirname(fallback)) && readdirSync(dirname(fallback)).length === 0) rmSync(dirname(fallback), { recursive: true });
  rmSync(`${database.dataDir}.conf`, { force: true });
  removeStorageState(database.dataDir);
}
