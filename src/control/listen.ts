/**
 * Binds a stack's control socket, which is also its one-supervisor lock: binding a Unix socket
 * path fails when the file exists, so of two `up`s at the same moment exactly one gets it. A socket
 * file survives a SIGKILLed supervisor; a file nobody answers on is stale and is taken over, under
 * a `.takeover` file created with O_EXCL, so two `up`s that both found it stale cannot both delete
 * and rebind it (one would unlink the other's fresh socket).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { isSameProcessAlive, readProcInfo } from '../process/proc-table.js';
import { err, ok, type Result } from '../util/result.js';
import { sleep } from '../util/sleep.js';

export type ListenError = { readonly type: 'in-use' } | { readonly type: 'failed'; readonly message: string };

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function listenOnce(path: string, handler: Handler): Promise<Result<Server, NodeJS.ErrnoException>> {
  return new Promise((resolve) => {
    const server = createHttpServer(handler);
    server.once('error', (error: NodeJS.ErrnoException) => resolve(err(error)));
    server.listen(path, () => {
      server.unref(); // the supervisor's lifetime is decided by its services, not by this socket
      resolve(ok(server));
    });
  });
}

/** Whether something answers on the socket file. */
export function isAnswering(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true); // it accepted but is slow: a live supervisor, busy
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Takes the `.takeover` file; false when a live process holds it. A dead holder's file is removed. */
function claimTakeover(takeover: string): boolean {
  try {
    const fd = openSync(takeover, 'wx', 0o600);
    writeSync(fd, JSON.stringify({ pid: process.pid, startTime: readProcInfo(process.pid)?.startTime }));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    const holder = JSON.parse(readFileSync(takeover, 'utf8')) as { pid?: number; startTime?: number };
    if (typeof holder.pid === 'number' && isSameProcessAlive(holder.pid, holder.startTime)) return false;
  } catch {
    // half-written by a holder that died at that instant: treat as dead
  }
  rmSync(takeover, { force: true });
  return false; // retried by the caller, which may then win it
}

export async function listenControl(path: string, handler: Handler): Promise<Result<Server, ListenError>> {
  const takeover = `${path}.takeover`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const bound = await listenOnce(path, handler);
    if (bound.ok) return bound;
    if (bound.error.code !== 'EADDRINUSE') return err({ type: 'failed', message: bound.error.message });
    if (await isAnswering(path)) return err({ type: 'in-use' });
    if (!claimTakeover(takeover)) {
      await sleep(10);
      continue;
    }
    try {
      // Still stale now that we hold the takeover? (Another process may have taken over and bound just before.)
      if (await isAnswering(path)) return err({ type: 'in-use' });
      rmSync(path, { force: true });
      const rebound = await listenOnce(path, handler);
      if (rebound.ok) return rebound;
      if (rebound.error.code !== 'EADDRINUSE') return err({ type: 'failed', message: rebound.error.message });
    } finally {
      rmSync(takeover, { force: true });
    }
  }
  return err({ type: 'failed', message: `${path} stays taken by a process that does not answer` });
}
