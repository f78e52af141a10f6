/**
 * The background supervisor's process, started before the CLI has loaded the config (for `up -d`
 * even before the CLI has loaded its own modules: early-supervisor.ts): Node's start and the
 * supervisor's modules (~130 ms) then overlap with the CLI's, instead of following them. It waits
 * for the config and what to start over IPC (asking with "want-config" once it listens); a config
 * that fails to load cancels it before it has started anything. Its stderr goes to a file in the
 * stack's runtime folder, known before the config is; logs/devstack.stderr.log links to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, lstatSync, openSync, readSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StackPaths } from '../control/runtime-dir.js';
import { mainScript } from '../util/entry-point.js';
import { trace } from '../util/trace.js';
import type { CommandContext } from './context.js';
import type { SupervisorMessage } from './commands/supervise.js';

export interface BackgroundSupervisor {
  readonly child: ChildProcess;
  /** Resolves once it listens for its config. */
  readonly wantsConfig: Promise<void>;
  readonly stderrPath: string;
  /** It has started nothing yet (no config): it just goes. */
  cancel(): void;
  /** After it died: the first error line it wrote to its stderr file, if any (what to tell the user). */
  deathCause(): string | undefined;
}

export function spawnBackgroundSupervisor(context: Pick<CommandContext, 'cwd' | 'env'>, paths: StackPaths): BackgroundSupervisor {
  // The supervisor's own stderr (an internal error's stack, say) goes to a file, not to a terminal it outlives.
  const stderr = openSync(paths.stderr, 'a', 0o600);
  const stderrStart = fstatSync(stderr).size; // the file gathers every run's stderr: this one's begins here
  const entry = join(dirname(mainScript()), 'supervisor-main.js');
  // Without NODE_EXTRA_CA_CERTS, which costs every Node start ~50 ms: the supervisor gets the full
  // environment for its services with its config (health/tls-trust.ts covers its https probes).
  const { NODE_EXTRA_CA_CERTS: _extraCa, ...env } = context.env;
  const flags = (process.env['DEVSTACK_SUPERVISOR_FLAGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, entry], {
    cwd: context.cwd,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
  });
  closeSync(stderr);
  trace('supervisor-spawned');
  const wantsConfig = new Promise<void>((resolve) => {
    const listener = (message: SupervisorMessage): void => {
      if (message.type !== 'want-config') return;
      child.off('message', listener);
      resolve();
    };
    child.on('message', listener);
  });
  return {
    child,
    wantsConfig,
    stderrPath: paths.stderr,
    cancel() {
      child.removeAllListeners();
      child.kill('SIGKILL');
      child.unref();
    },
    deathCause: () => firstErrorLine(paths.stderr, stderrStart),
  };
}

/** The first line from `start` on that names an error (Node's "Error: …", or devstack's own "error: …"). */
function firstErrorLine(path: string, start: number): string | undefined {
  try {
    // Only this start's part: the file keeps every earlier run's stderr before it.
    const fd = openSync(path, 'r');
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    closeSync(fd);
    return buffer
      .toString('utf8', 0, read)
      .split('\n')
      .find((line) => /^([A-Za-z]*Error\b|error: )/.test(line));
  } catch {
    return undefined; // the file is gone: the hint still names it
  }
}

/** logs/devstack.stderr.log → the supervisor's stderr file, where the hints send users. */
export function linkStderrLog(logsDir: string, stderrPath: string): void {
  const link = join(logsDir, 'devstack.stderr.log');
  try {
    if (lstatSync(link, { throwIfNoEntry: false }) !== undefined) rmSync(link, { force: true });
    symlinkSync(stderrPath, link);
  } catch {
    // the hint still names the file; a missing link costs only convenience
  }
}
