/**
 * `up -d` / `up --wait`: the supervisor runs as a detached process (its own session, so closing
 * this terminal does not touch it) and reports over an IPC channel until startup is decided; then
 * this process exits and the supervisor carries on alone. Ctrl-C (or `--timeout`) while waiting
 * stops what was started — the stack never reported ready — and says so.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLogsDir } from '../../app/state-dir.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { serializeConfig } from '../../config/serialize.js';
import { DevstackError } from '../../errors.js';
import type { ServiceSnapshot } from '../../supervisor/events.js';
import { formatMs } from '../../util/duration.js';
import type { CommandContext } from '../context.js';
import { startupFailureError } from '../render/error.js';
import { formatReadyBanner } from '../render/ready-banner.js';
import { createEventRenderer } from '../render/supervisor-events.js';
import { SUPERVISE_COMMAND } from '../supervise-command.js';
import type { ParentMessage, SuperviseOptions, SupervisorMessage } from './supervise.js';
import { SIGNAL_NUMBERS, type UpOptions } from './up.js';

/** What was still on its way when startup was given up: `api (starting), web (waiting on api)`. */
export function describePending(services: readonly ServiceSnapshot[]): string {
  const pending = services.filter((service) => service.state !== 'ready' && !(service.kind === 'task' && service.state === 'exited'));
  if (pending.length === 0) return 'every service had just become ready';
  return pending
    .map(
      (service) =>
        `${service.name} (${service.state === 'pending' && service.waitingOn.length > 0 ? `waiting on ${service.waitingOn.join(', ')}` : service.state})`,
    )
    .join(', ');
}

/** How a background start ended when it did not fail (failures are thrown as DevstackErrors). */
export type BackgroundStart =
  | { readonly type: 'ready'; readonly services: readonly ServiceSnapshot[]; readonly supervisorPid: number }
  /** Ctrl-C (or SIGTERM/SIGHUP) while waiting: what had started was stopped again. */
  | { readonly type: 'interrupted'; readonly signal: NodeJS.Signals; readonly services: readonly ServiceSnapshot[] };

export interface BackgroundOptions {
  readonly services: readonly string[];
  readonly profiles: readonly string[];
  readonly mode: string;
  /** Show the services' output while waiting (`up --wait`), not only status lines. */
  readonly showOutput: boolean;
  readonly json: boolean;
  readonly timeoutMs: number | undefined;
}

/** `up -d` / `up --wait`: start in the background, then say how it went. */
export async function startDetached(context: CommandContext, config: ResolvedConfig, options: UpOptions): Promise<number> {
  const started = await startInBackground(context, config, { ...options, showOutput: options.wait });
  const { terminal } = context;
  if (started.type === 'interrupted') {
    terminal.err(
      `devstack: interrupted; stopped the stack, which was not ready yet (still starting: ${describePending(started.services)})`,
    );
    return 128 + (SIGNAL_NUMBERS[started.signal] ?? 0);
  }
  if (!options.json)
    terminal.out(
      formatReadyBanner(started.services, terminal.colors, { stop: `supervisor pid ${started.supervisorPid}; stop: devstack down` }),
    );
  return 0;
}

/**
 * Runs the supervisor as a detached process and resolves once startup is decided: ready, or
 * interrupted by a signal; a failure, a timeout or a supervisor that died reject with the error to
 * print. Status events are rendered through `context.terminal` meanwhile.
 */
export function startInBackground(context: CommandContext, config: ResolvedConfig, options: BackgroundOptions): Promise<BackgroundStart> {
  const displayLogs = relative(context.cwd, config.logsDir) || '.';
  ensureLogsDir(config.logsDir, displayLogs);
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  // The supervisor's own stderr (an internal error's stack, say) goes to a file, not to a terminal it outlives.
  const stderrPath = join(config.logsDir, 'devstack.stderr.log');
  const stderr = openSync(stderrPath, 'a', 0o600);
  const supervise: SuperviseOptions = {
    services: options.services,
    profiles: options.profiles,
    mode: options.mode,
    stream: options.showOutput,
  };
  const child = spawn(process.execPath, [main, SUPERVISE_COMMAND, JSON.stringify(supervise)], {
    cwd: context.cwd,
    env: context.env,
    detached: true,
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
  });
  closeSync(stderr);
  const { terminal } = context;
  const render = createEventRenderer(terminal, {
    names: config.services.map((service) => service.name),
    showOutput: options.showOutput,
    json: options.json,
  });
  const tell = (message: ParentMessage): void => {
    if (child.connected) child.send(message, () => undefined);
  };

  return new Promise((resolve, reject) => {
    let decided = false;
    let interrupted: NodeJS.Signals | undefined;
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            tell({ type: 'abort', reason: 'timeout' });
          }, options.timeoutMs);
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted !== undefined) return;
      interrupted = signal;
      terminal.err(terminal.colors.dim(`devstack: ${signal} received before the stack was ready: stopping what was started…`));
      tell({ type: 'abort', reason: signal });
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    const decide = (action: () => void): void => {
      if (decided) return;
      decided = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      action();
    };
    child.on('message', (message: SupervisorMessage) => {
      switch (message.type) {
        case 'want-config':
          return tell({ type: 'config', config: serializeConfig(config) });
        case 'event':
          return render(message.event);
        case 'started':
          return decide(() => {
            const { outcome } = message;
            if (interrupted !== undefined) return resolve({ type: 'interrupted', signal: interrupted, services: message.services });
            if (timedOut) {
              return reject(
                new DevstackError(
                  'STARTUP_FAILED',
                  `the stack was not ready within ${formatMs(options.timeoutMs!)}: still starting: ${describePending(message.services)}`,
                  {
                    hint: 'everything that had started was stopped; see "devstack logs" for why, or raise --timeout',
                  },
                ),
              );
            }
            if (outcome.type === 'ready') return resolve({ type: 'ready', services: message.services, supervisorPid: child.pid! });
            if (outcome.type === 'failed') return reject(startupFailureError(outcome.failure));
            reject(new DevstackError('STARTUP_FAILED', `startup was interrupted: ${outcome.reason}`, { hint: 'see "devstack logs"' }));
          });
        case 'error':
          return decide(() =>
            reject(new DevstackError(message.code, message.message, message.hint === undefined ? {} : { hint: message.hint })),
          );
      }
    });
    child.on('exit', (code, signal) =>
      decide(() =>
        reject(
          new DevstackError(
            'STARTUP_FAILED',
            `the background supervisor ${signal === null ? `exited (code ${code ?? 'unknown'})` : `was killed by ${signal}`} before startup finished`,
            {
              hint: `see ${join(displayLogs, 'devstack.stderr.log')} and "devstack logs"; its guardian stops whatever it had started`,
            },
          ),
        ),
      ),
    );
  });
}
