/**
 * The other end of test/fixtures/bin/puppet.js: a socket the puppets connect to, and a handle per
 * spawned puppet to tell it when to become ready, print, exit or ignore SIGTERM. Each spawn of a
 * service is a new puppet (a restart gives a second one under the same name).
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

export interface Puppet {
  readonly name: string;
  readonly pid: number;
  /** Prints `puppet ready <name>`, which the test's log probes wait for. */
  ready(): Promise<void>;
  print(text: string): Promise<void>;
  exit(code: number): void;
  ignoreSigterm(): Promise<void>;
}

export interface PuppetMaster {
  readonly socket: string;
  /** The `nth` (from 1) puppet spawned under `name`, once it has connected. */
  puppet(name: string, nth?: number, timeoutMs?: number): Promise<Puppet>;
  /** How many puppets have connected under `name` so far. */
  count(name: string): number;
  close(): Promise<void>;
}

export async function createPuppetMaster(): Promise<PuppetMaster> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'devstack-puppets-')), 'puppets.sock');
  const puppets = new Map<string, Puppet[]>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffered = '';
    let nextId = 0;
    const waiting = new Map<number, () => void>();
    const send = (command: Record<string, unknown>): Promise<void> => {
      const id = ++nextId;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        socket.write(`${JSON.stringify({ ...command, id })}\n`);
      });
    };
    socket.on('data', (chunk) => {
      buffered += String(chunk);
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const message = JSON.parse(buffered.slice(0, newline)) as { hello?: string; pid?: number; done?: number };
        buffered = buffered.slice(newline + 1);
        if (message.hello !== undefined) {
          const name = message.hello;
          const puppet: Puppet = {
            name,
            pid: message.pid!,
            ready: () => send({ print: `puppet ready ${name}` }),
            print: (text) => send({ print: text }),
            exit: (code) => void socket.write(`${JSON.stringify({ exit: code })}\n`),
            ignoreSigterm: () => send({ ignoreSigterm: true }),
          };
          puppets.set(name, [...(puppets.get(name) ?? []), puppet]);
        }
        if (message.done !== undefined) waiting.get(message.done)?.();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socket: socketPath,
    async puppet(name, nth = 1, timeoutMs = 10_000) {
      return waitFor(() => puppets.get(name)?.[nth - 1], `puppet ${name} #${nth} to connect`, timeoutMs);
    },
    count: (name) => puppets.get(name)?.length ?? 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
