/**
 * Starts one command as the leader of a new session and process group (setsid via `detached`),
 * so signals to the group reach every process it starts and a Ctrl-C in devstack's terminal
 * reaches devstack alone, which then stops services in order.
 */
import { existsSync, statSync } from 'node:fs';
import { spawn, type ChildProcessByStdio, type SpawnOptionsWithStdioTuple } from 'node:child_process';
import type { Readable } from 'node:stream';
import { withLocalBinPath } from '../util/local-bin-path.js';
import type { CommandLine } from '../util/shell-words.js';
import { formatCommandLine } from '../util/shell-words.js';
import { LineSplitter } from '../util/line-splitter.js';
import { readProcInfo } from './proc-table.js';
import { err, ok, type Result } from '../util/result.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: number | undefined;
  /** Resolves when the leader exits; its output may continue while descendants hold the pipes. */
  readonly exited: Promise<ExitInfo>;
  /** Resolves when stdout and stderr have both closed and the last lines were delivered. */
  readonly outputDone: Promise<void>;
}

export interface SpawnFailure {
  readonly reason: 'cwd-missing' | 'command-not-found' | 'spawn-error';
  readonly message: string;
}

export type SpawnResult = Result<SpawnedProcess, SpawnFailure>;

export interface SpawnOptions {
  readonly command: CommandLine;
  readonly cwd: string;
  /** The complete environment: nothing from devstack's own is added. */
  readonly env: Readonly<Record<string, string>>;
  /** Run as this user and group (a database server when devstack is root); default: devstack's own. */
  readonly uid?: number;
  readonly gid?: number;
  /**
   * Receives complete lines. Returning a promise pauses both streams until it settles: the child
   * blocks on a full pipe instead of devstack buffering without bound.
   */
  /** `plain`: the lines hold only printable text and tabs (nothing to clean). */
  readonly onLines: (stream: OutputStream, lines: string[], plain: boolean) => void | Promise<void>;
}

export async function spawnProcess(options: SpawnOptions): Promise<SpawnResult> {
  const { command, cwd, env } = options;
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    return failed('cwd-missing', `working directory does not exist: ${cwd}`);
  }
  const spawnOptions: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'pipe'> = {
    cwd,
    // Like npm scripts: binaries of local node_modules/.bin (this folder and its parents) are found.
    env: withLocalBinPath(env, cwd),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  };
  let subprocess: ChildProcessByStdio<null, Readable, Readable>;
  try {
    subprocess =
      command.type === 'shell'
        ? spawn('/bin/sh', ['-c', command.script], spawnOptions)
        : spawn(command.file, [...command.args], spawnOptions);
  } catch (error) {
    // Node refuses some arguments before any process exists (a NUL byte in argv or the environment).
    return failed('spawn-error', `cannot run ${formatCommandLine(command)}: ${(error as Error).message}`);
  }

  const spawned = await new Promise<{ ok: true } | { ok: false; error: NodeJS.ErrnoException }>((resolve) => {
    subprocess.once('spawn', () => resolve({ ok: true }));
    subprocess.once('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error }));
  });
  if (!spawned.ok || subprocess.pid === undefined) {
    const error = spawned.ok ? undefined : spawned.error;
    if (error?.code === 'ENOENT') {
      const program = command.type === 'shell' ? '/bin/sh' : command.file;
      return failed('command-not-found', `command not found: ${program} (is it installed and on PATH?)`);
    }
    return failed('spawn-error', `cannot run ${formatCommandLine(command)}: ${error?.message ?? 'unknown error'}`);
  }

  const pid = subprocess.pid;
  const startTime = readProcInfo(pid)?.startTime;
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const outputDone = Promise.all([
    pumpLines(subprocess.stdout, 'stdout', subprocess, options.onLines),
    pumpLines(subprocess.stderr, 'stderr', subprocess, options.onLines),
  ]).then(() => undefined);
  return ok({ pid, pgid: pid, startTime, exited, outputDone });
}

function failed(reason: SpawnFailure['reason'], message: string): SpawnResult {
  return err({ reason, message });
}

interface Pausable {
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
}

function pumpLines(
  stream: NodeJS.ReadableStream | null,
  name: OutputStream,
  owner: Pausable,
  onLines: SpawnOptions['onLines'],
): Promise<void> {
  if (stream === null) return Promise.resolve();
  const splitter = new LineSplitter();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      const lines = splitter.push(chunk);
      if (lines.length === 0) return;
      const pending = onLines(name, lines, splitter.plain);
      if (pending !== undefined) {
        owner.stdout?.pause();
        owner.stderr?.pause();
        void pending.finally(() => {
          owner.stdout?.resume();
          owner.stderr?.resume();
        });
      }
    });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const rest = splitter.flush();
      if (rest.length > 0) void onLines(name, rest, false);
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}
