/**
 * A throwaway project with its own services.config.ts, driven through the built `devstack` bin
 * exactly as a user would. `cleanup()` stops the stack and fails loudly if anything survived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StampedEvent } from '../../src/supervisor/events.js';
import { killAll, processesUnder } from './processes.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'devstack.js');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'bin');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly done: Promise<CliResult>;
}

export interface PsRow {
  readonly name: string;
  readonly state: string;
  readonly pid?: number;
  readonly port?: number;
  readonly restarts: number;
  readonly message?: string;
  readonly mode?: string;
}

/** An HTTP fixture service on a free port, ready when /health answers, as a config entry. */
export async function httpService(name: string, extra = ''): Promise<string> {
  const port = await freePort();
  return `'${name}': { command: '${fixture('http-service.js')}', port: ${port}, health: 'http://127.0.0.1:${port}/health'${extra} },`;
}

export interface TempProject {
  readonly dir: string;
  path(...parts: string[]): string;
  write(file: string, text: string): void;
  read(file: string): string;
  /** The supervisor's events recorded in logs/devstack.log (every run), oldest first. */
  events(): StampedEvent[];
  /** `devstack ps --json`, parsed. */
  ps(): Promise<PsRow[]>;
  /** The running supervisor's pid, from logs/devstack.pid. */
  supervisorPid(): number;
  /** The guardian's pid (the `sh` waiting on the supervisor), if one is running. */
  guardianPid(): number | undefined;
  /** Runs the CLI to completion. */
  run(args: readonly string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
  /** Starts the CLI and returns at once (foreground `up`). */
  start(args: readonly string[], options?: { env?: Record<string, string> }): RunningCli;
  /** `devstack down`, then asserts no process of the project is left (and kills any before failing). */
  cleanup(): Promise<void>;
}

/** A `node <fixture>` command line for services.config.ts. */
export function fixture(name: string, ...args: string[]): string {
  return ['node', join(FIXTURES, name), ...args].join(' ');
}

export function createTempProject(config: string): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-test-'));
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  write('services.config.ts', config);
  const started: ChildProcess[] = [];

  const start = (args: readonly string[], options: { env?: Record<string, string> } = {}): RunningCli => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const done = new Promise<CliResult>((resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    return { child, output: () => stdout + stderr, done };
  };

  return {
    dir,
    path: (...parts) => join(dir, ...parts),
    write,
    read: (file) => readFileSync(join(dir, file), 'utf8'),
    async ps() {
      return JSON.parse((await start(['ps', '--json']).done).stdout) as PsRow[];
    },
    supervisorPid: () => (JSON.parse(readFileSync(join(dir, 'logs', 'devstack.pid'), 'utf8')) as { pid: number }).pid,
    guardianPid: () => processesUnder(dir).find((found) => found.command.includes('devstack-guardian'))?.pid,
    events: () =>
      readFileSync(join(dir, 'logs', 'devstack.log'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as StampedEvent),
    start,
    async run(args, options = {}) {
      const running = start(args, options);
      const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
      const result = await running.done;
      clearTimeout(timer);
      return result;
    },
    async cleanup() {
      await start(['down']).done;
      for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      let leftovers: ReturnType<typeof processesUnder> = [];
      try {
        await waitFor(() => (leftovers = processesUnder(dir)).length === 0, 'the project to have no processes left', 5000);
      } catch {
        killAll(leftovers.map((leftover) => leftover.pid));
        throw new Error(`processes left running after down:\n${leftovers.map((l) => `  ${l.pid} ${l.command}`).join('\n')}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A free TCP port on 127.0.0.1, below Linux's ephemeral range (32768–60999): a port the kernel hands
 * out (`listen(0)`) is in that range, and between this check and the test's use another test's
 * outgoing connection or `port: 'auto'` can be given the same one. A random port from 20000–32767
 * that binds now is not handed out by the kernel meanwhile; the kernel's own choice is the fallback.
 */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const bindable = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindable(20_000 + Math.floor(Math.random() * 12_768));
    if (port !== undefined) return port;
  }
  return (await bindable(0)) ?? 0;
}
