/**
 * Where a stack's supervisor listens. On Linux an abstract Unix socket named after the logs
 * folder: binding it is the "one supervisor per stack" lock, atomic, and released by the kernel
 * when the supervisor dies, even by SIGKILL (no stale lock file to guess about). Elsewhere a socket
 * file in the logs folder.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';

export function controlSocketAddress(logsDir: string): string {
  let canonical = logsDir;
  try {
    canonical = realpathSync(logsDir);
  } catch {
    // not created yet: the resolved path is canonical enough
  }
  if (process.platform === 'linux') {
    return `\0devstack-${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}`;
  }
  return join(canonical, 'devstack.sock');
}
