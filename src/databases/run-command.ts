/** Runs a helper program (initdb, docker …) to completion, for the database modes. Never throws. */
import { execa } from 'execa';

export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The last non-empty line of stderr (or stdout), or why it could not run: for one-line errors. */
  readonly problem: string;
}

export interface RunCommandOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly uid?: number;
  readonly gid?: number;
  readonly timeoutMs?: number;
  readonly input?: string;
  readonly cwd?: string;
}

export async function runCommand(file: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const result = await execa(file, [...args], {
    env: options.env,
    extendEnv: options.env === undefined,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    timeout: options.timeoutMs ?? 120_000,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    reject: false,
    stripFinalNewline: true,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const lastLine = (text: string): string | undefined => text.trim().split('\n').filter((line) => line.trim() !== '').pop()?.trim();
  const problem = result.timedOut
    ? `${file} did not finish within ${options.timeoutMs ?? 120_000} ms`
    : result.exitCode === undefined
      ? ((result as { code?: string }).code === 'ENOENT' ? `${file}: command not found` : (result.shortMessage ?? `${file} could not run`))
      : (lastLine(stderr) ?? lastLine(stdout) ?? `${file} exited with code ${result.exitCode}`);
  return { ok: result.exitCode === 0, exitCode: result.exitCode, stdout, stderr, problem };
}
