/**
 * Runs a short-lived program to completion and collects its output (health-check commands,
 * initdb, docker …), with a timeout. Never throws: a program that cannot start is a result too.
 */
import { spawn } from 'node:child_process';

export interface RunProgramOptions {
  readonly cwd?: string;
  /** The complete environment (default: devstack's own). */
  readonly env?: Readonly<Record<string, string>>;
  readonly uid?: number;
  readonly gid?: number;
  readonly timeoutMs: number;
  /** Written to stdin, then closed; without it stdin is /dev/null. */
  readonly input?: string;
}

export interface ProgramResult {
  /** Undefined when the program did not start or was killed by a signal. */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Why it did not start (`ENOENT` …). */
  readonly spawnError: NodeJS.ErrnoException | undefined;
}

/** Output beyond this is dropped (from the start): callers only read the last lines. */
const MAX_OUTPUT = 1024 * 1024;

export function runProgram(file: string, args: readonly string[], options: RunProgramOptions): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const keep = (text: string, more: Buffer): string => (text + more.toString('utf8')).slice(-MAX_OUTPUT);
    child.stdout?.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
    child.stderr?.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
    });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined); // a program that does not read its input is fine
      child.stdin?.end(options.input);
    }
    // 'close' comes after 'exit' and after the output pipes closed, and also after a spawn error.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? undefined, stdout, stderr, timedOut, spawnError });
    });
  });
}

/** The last non-empty line of a text, for one-line error messages. */
export function lastLine(text: string): string | undefined {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .pop()
    ?.trim();
}
