/**
 * Postgres refuses to run as root ("root execution of the PostgreSQL server is not permitted"), and
 * MySQL/MariaDB only with --user=root, so when devstack itself runs as root (CI, containers) the
 * server and its initialisation run as an unprivileged user that owns the data folder. Only for
 * databases: services run as whoever runs devstack.
 */
import { chownSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * The first of `preferred` (the server's own account, e.g. `postgres`, `mysql`) or `nobody` that
 * exists; undefined when devstack is not root: then everything runs as the current user.
 */
export function unprivilegedUser(preferred: string): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entries = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n') : [];
  for (const name of [preferred, 'nobody']) {
    const fields = entries.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields !== undefined && Number(fields[2]) !== 0) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return undefined;
}

/** The first folder above `path` that `user` cannot enter, if any (the data folder must be reachable). */
export function unreachableAncestor(path: string, user: RunAs): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      const stat = statSync(dir);
      const canEnter =
        stat.uid === user.uid ? (stat.mode & 0o100) !== 0 : stat.gid === user.gid ? (stat.mode & 0o010) !== 0 : (stat.mode & 0o001) !== 0;
      if (!canEnter) return dir;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function chownTo(path: string, user: RunAs | undefined): void {
  if (user !== undefined) chownSync(path, user.uid, user.gid);
}
