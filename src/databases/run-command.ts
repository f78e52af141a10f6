/** Runs a helper program (initdb, docker …) to completion, for the database modes. Never throws. */
import { lastLine, runProgram } from '../util/run-program.js';

export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The last non-empty line of stderr (or stdout), or why it could not run: for one-line errors. */
  readonly problem: string;
}

export interface RunCommandOptions {
  /** The complete environment; default: devstack's own. */
  readonly env?: Readonly<Record<string, string>>;
  readonly uid?: number;
  readonly gid?: number;
  readonly timeoutMs?: number;
  readonly input?: string;
  readonly cwd?: string;
}

export async function runCommand(file: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const result = await runProgram(file, args, { ...options, timeoutMs });
  const { stdout, stderr } = result;
  const problem = result.timedOut
    ? `${file} did not finish within ${timeoutMs} ms`
    : result.spawnError !== undefined
      ? result.spawnError.code === 'ENOENT'
        ? `${file}: command not found`
        : `${file} could not run: ${result.spawnError.message}`
      : (lastLine(stderr) ?? lastLine(stdout) ?? `${file} exited with code ${result.exitCode ?? 'unknown'}`);
  return { ok: result.exitCode === 0 && result.spawnError === undefined, exitCode: result.exitCode, stdout, stderr, problem };
}
