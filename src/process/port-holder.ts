/** Who holds a TCP port on this machine, to name it when a port devstack needs is taken. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PortHolder {
  readonly pid: number;
  readonly command: string;
}

/** ` by pid 123 (node server.js)` for a message, or nothing when the holder cannot be seen. */
export function heldBy(holder: PortHolder | undefined): string {
  return holder === undefined ? '' : ` by pid ${holder.pid} (${holder.command})`;
}

/**
 * Who listens on `port`: the socket's inode from /proc/net/tcp{,6}, then the process with a file
 * descriptor on that socket. Undefined when it cannot be seen (another user's process, not Linux).
 */
export function findPortHolder(port: number): PortHolder | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no such table (no IPv6, or not Linux)
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local === undefined || fields[3] !== '0A') continue; // 0A: LISTEN
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9] !== undefined)
        inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      if (inodes.has(target)) return { pid, command: readCommand(pid) };
    }
  }
  return undefined;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return []; // gone, or not ours to read
  }
}

function readCommand(pid: number): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return command.length > 80 ? `${command.slice(0, 77)}...` : command;
  } catch {
    return '?';
  }
}
