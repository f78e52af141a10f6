/**
 * The command `devstack run -- <command…>` runs: in devstack's own process group, so a terminal's
 * Ctrl-C reaches it directly and it can read the terminal, with stdio inherited. Every process it
 * starts carries a marker, so what it leaves behind (a server a test started with `&`) is found and
 * stopped once it exits. Signals devstack itself receives are passed on.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { err, ok, type Result } from '../util/result.js';
import { stopProcessTree } from './kill.js';
import { findProcessesWithEnv, markerEntry } from './proc-table.js';

export const COMMAND_VAR = 'DEVSTACK_COMMAND';

export type CommandExit =
  { readonly type: 'exited'; readonly code: number } | { readonly type: 'signalled'; readonly signal: NodeJS.Signals };

export type CommandProblem = { readonly type: 'not-found' | 'not-executable' | 'failed'; readonly message: string };

export interface ForegroundCommand {
  readonly done: Promise<Result<CommandExit, CommandProblem>>;
  /** Passes a signal on to the command (not to what it started: that is the command's business). */
  signal(signal: NodeJS.Signals): void;
}

export interface ForegroundOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Identifies this command's processes for the sweep after it exits. */
  readonly id: string;
}

export function runForeground(options: ForegroundOptions): ForegroundCommand {
  const [file, ...args] = options.argv;
  const child = spawn(file!, args, {
    cwd: options.cwd,
    env: { ...options.env, [COMMAND_VAR]: options.id },
    stdio: 'inherit',
  });
  const done = new Promise<Result<CommandExit, CommandProblem>>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return resolve(err({ type: 'not-found', message: `command not found: ${file}` }));
      if (error.code === 'EACCES') return resolve(err({ type: 'not-executable', message: `not executable: ${file}` }));
      resolve(err({ type: 'failed', message: `${file}: ${error.message}` }));
    });
    child.once('exit', (code, signal) =>
      resolve(ok(signal !== null ? { type: 'signalled', signal } : { type: 'exited', code: code ?? 1 })),
    );
  });
  return {
    done,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The shell's convention: the code, or 128 + the signal's number. */
export function exitCodeOf(exit: CommandExit): number {
  return exit.type === 'exited' ? exit.code : 128 + (constants.signals[exit.signal] ?? 0);
}

/** Stops whatever the command left running; how many processes that was. */
export async function sweepCommand(id: string): Promise<number> {
  const entry = markerEntry(COMMAND_VAR, id);
  if (findProcessesWithEnv([entry]).length === 0) return 0;
  const outcome = await stopProcessTree(
    { pid: undefined, pgid: undefined, startTime: undefined, markerEntries: [entry] },
    { signal: 'SIGTERM', timeoutMs: 5000 },
  );
  return outcome.signalled;
}
