/**
 * Ports for one run: fixed ports are checked before anything starts (and the process holding a
 * taken one is named), `'auto'` ports are taken from the free ones with get-port and kept for the
 * whole run, so restarts keep their address.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import getPort from 'get-port';
import type { ResolvedService } from '../config/resolved.js';
import { LOCAL_HOST } from '../config/templates.js';
import { err, ok, type Result } from '../util/result.js';

export interface PortHolder {
  readonly pid: number;
  readonly command: string;
}

export interface PortTaken {
  readonly service: string;
  readonly port: number;
  readonly holder: PortHolder | undefined;
}

export type PortPlan = Result<ReadonlyMap<string, number>, PortTaken>;

export function isPortFree(port: number, host: string = LOCAL_HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export async function planPorts(services: readonly ResolvedService[]): Promise<PortPlan> {
  const ports = new Map<string, number>();
  const fixed = services.flatMap((service) => (typeof service.port === 'number' ? [service.port] : []));
  for (const service of services) {
    if (typeof service.port !== 'number') continue;
    if (!(await isPortFree(service.port))) return err({ service: service.name, port: service.port, holder: findPortHolder(service.port) });
    ports.set(service.name, service.port);
  }
  for (const service of services) {
    if (service.port !== 'auto') continue;
    const taken = [...fixed, ...ports.values()];
    ports.set(service.name, await getPort({ host: LOCAL_HOST, exclude: taken }));
  }
  return ok(ports);
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
