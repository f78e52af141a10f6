/**
 * The guardian: when a supervisor dies without stopping its stack (the OOM killer, a crash,
 * `kill -9`), its services would live on with nobody reading their output — the next line a Node
 * service logs raises EPIPE and kills it — so the stack is stopped instead, cleanly and at once,
 * with nobody running `down`.
 *
 * It is a `/bin/sh` (about 1 MB, no CPU while it waits) blocked reading a pipe whose only writer is
 * the supervisor. A clean exit writes "done" and the shell exits. Any death of the supervisor
 * closes the pipe (the kernel does that, even for SIGKILL): `read` returns, and the shell execs
 * `devstack __reap <record>`, which stops the services in reverse dependency order with their stop
 * signals and timeouts (databases get their clean shutdown) and removes what they left. It runs in
 * its own session, so a Ctrl-C or a closed terminal never reaches it. If it is killed too, `devstack
 * down` still does the same from the record, PID files and markers.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { mainScript } from '../util/entry-point.js';

export const REAP_COMMAND = '__reap';

const SCRIPT = 'read -r line; [ "$line" = done ] && exit 0; exec "$@"';

export interface Guardian {
  readonly pid: number | undefined;
  /** The supervisor ends normally: the guardian exits without doing anything. */
  release(): void;
}

export interface GuardianOptions {
  readonly recordPath: string;
  readonly cwd: string;
  readonly logsDir: string;
  /** The reaper's environment (PATH to find docker for database containers). */
  readonly env: Readonly<Record<string, string>>;
}

export function startGuardian(options: GuardianOptions): Guardian {
  const main = mainScript();
  let stderr: number | 'ignore' = 'ignore';
  try {
    stderr = openSync(join(options.logsDir, 'devstack.stderr.log'), 'a', 0o600);
  } catch {
    // no logs folder to write to: the reaper's own errors are lost, not the stop itself
  }
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'devstack-guardian', process.execPath, main, REAP_COMMAND, options.recordPath], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'ignore', stderr],
  });
  if (typeof stderr === 'number') closeSync(stderr);
  child.on('error', () => undefined); // no /bin/sh: there is no guardian, `down` remains
  child.stdin?.on('error', () => undefined); // it died first: nothing to tell it
  child.unref();
  // The pipe must not keep the supervisor's event loop alive, only the guardian's read blocked.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    pid: child.pid,
    release() {
      child.stdin?.end('done\n');
    },
  };
}
