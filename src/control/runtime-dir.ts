/**
 * Where a stack's control socket lives: `/tmp/devstack-<uid>/`, a folder only its owner can enter
 * (0700, owned by the current user, not a symlink). The folder's permissions are the access
 * check: another local user can neither connect to a stack's socket nor claim its name before
 * `up`. Root can, as root can everything. `DEVSTACK_RUNTIME_DIR` overrides the location (it must be
 * just as private). One fixed place, not $XDG_RUNTIME_DIR or $TMPDIR: `up` in one shell and `down`
 * in another (a CI step, sudo -E) must agree on it.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { DevstackError } from '../errors.js';

export function runtimeDir(override: string | undefined): string {
  const uid = process.getuid?.() ?? 0;
  const dir = override !== undefined && override !== '' ? override : join('/tmp', `devstack-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DevstackError(
      'STATE_DIR_UNWRITABLE',
      `cannot create the runtime folder ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        hint: 'make /tmp writable, or set DEVSTACK_RUNTIME_DIR to a private folder',
      },
    );
  }
  const stat = lstatSync(dir);
  const problem = !stat.isDirectory()
    ? 'is not a folder'
    : stat.uid !== uid
      ? `belongs to uid ${stat.uid}, not to you (uid ${uid})`
      : (stat.mode & 0o077) !== 0
        ? `is open to other users (mode ${(stat.mode & 0o777).toString(8)})`
        : undefined;
  if (problem !== undefined) {
    throw new DevstackError(
      'STATE_DIR_UNWRITABLE',
      `the runtime folder ${dir} ${problem}: another user could reach your stacks through it`,
      {
        hint: `remove it (devstack recreates it private), or set DEVSTACK_RUNTIME_DIR to a folder only you can enter`,
      },
    );
  }
  return dir;
}

/** A stack's identity: its config file, whatever its logs folder (which may change while it runs). */
export function stackId(configFile: string): string {
  let canonical = configFile;
  try {
    canonical = realpathSync(configFile);
  } catch {
    // gone meanwhile: the path as given is canonical enough
  }
  return createHash('sha256').update(canonical).digest('hex').slice(0, 24);
}

export interface StackPaths {
  /** The control socket (also the one-supervisor lock). */
  readonly socket: string;
  /** The running supervisor's record: how to stop its services without it (app/run-record.ts). */
  readonly record: string;
  /** The last resolved config (config/config-cache.ts). */
  readonly configCache: string;
  /** The background supervisor's own stderr (logs/devstack.stderr.log links to it). */
  readonly stderr: string;
  /** The proxy's nginx, when it runs on one: its config, pid, sockets and readiness files. */
  readonly proxy: string;
}

/** A stack's runtime paths from its config file's path alone (DEVSTACK_RUNTIME_DIR may move them). */
export function stackPathsOfConfigFile(env: NodeJS.ProcessEnv, configFile: string): StackPaths {
  return stackPaths(runtimeDir(env['DEVSTACK_RUNTIME_DIR']), stackId(configFile));
}

export function stackPaths(dir: string, id: string): StackPaths {
  return {
    socket: join(dir, `${id}.sock`),
    record: join(dir, `${id}.json`),
    configCache: join(dir, `${id}.config`),
    stderr: join(dir, `${id}.stderr.log`),
    proxy: join(dir, `${id}.proxy`),
  };
}
