/**
 * `up -d` / `up --wait`: the supervisor runs as a detached process (its own session, so closing
 * this terminal does not touch it) and reports over an IPC channel until startup is decided; then
 * this process exits and the supervisor carries on alone. Ctrl-C (or `--timeout`) while waiting
 * stops what was started — the stack never reported ready — and says so.
 */
import type { ChildProcess } from 'node:child_process';
import { join, relative } from 'node:path';
import { ensureLogsDir } from '../../app/state-dir.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { serializeConfig } from '../../config/serialize.js';
import { definedEnv } from '../../env/service-env.js';
import { DevstackError } from '../../errors.js';
import type { ServiceSnapshot } from '../../supervisor/events.js';
import { formatMs } from '../../util/duration.js';
import { trace } from '../../util/trace.js';
import { stackPathsOf, type CommandContext } from '../context.js';
import { linkStderrLog, spawnBackgroundSupervisor, type BackgroundSupervisor } from '../background-supervisor.js';
import { startupFailureError } from '../render/error.js';
import { formatReadyBanner } from '../render/ready-banner.js';
import { createEventRenderer } from '../render/supervisor-events.js';
import type { ParentMessage, SuperviseOptions, SupervisorMessage } from './supervise.js';
import { SIGNAL_NUMBERS, type UpOptions } from './up.js';

/** What was still on its way when startup was given up: `api (starting), web (waiting on api)`. */
export function describePending(services: readonly ServiceSnapshot[]): string {
  if (services.length === 0) return 'nothing had started yet';
  const pending = services.filter((service) => service.state !== 'ready' && !(service.kind === 'task' && service.state === 'exited'));
  if (pending.length === 0) return 'every service had just become ready';
  return pending
    .map(
      (service) =>
        `${service.name} (${service.state === 'pending' && service.waitingOn.length > 0 ? `waiting on ${service.waitingOn.join(', ')}` : service.state})`,
    )
    .join(', ');
}

/** What the background supervisor is told to start, with the config. */
export function superviseOptionsOf(options: Pick<BackgroundOptions, 'services' | 'profiles' | 'mode' | 'showOutput'>): SuperviseOptions {
  return { services: options.services, profiles: options.profiles, mode: options.mode, stream: options.showOutput };
}

/** How a background start ended when it did not fail (failures are thrown as DevstackErrors). */
export type BackgroundStart =
  | {
      readonly type: 'ready';
      readonly services: readonly ServiceSnapshot[];
      readonly supervisorPid: number;
      readonly proxyUrl?: string | undefined;
      readonly dashboardUrl?: string | undefined;
    }
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
export async function startDetached(
  context: CommandContext,
  config: ResolvedConfig,
  options: UpOptions,
  supervisor?: BackgroundSupervisor,
): Promise<number> {
  const started = await startInBackground(context, config, { ...options, showOutput: options.wait }, supervisor);
  const { terminal } = context;
  if (started.type === 'interrupted') {
    terminal.err(
      `devstack: interrupted; stopped the stack, which was not ready yet (still starting: ${describePending(started.services)})`,
    );
    return 128 + (SIGNAL_NUMBERS[started.signal] ?? 0);
  }
  if (!options.json)
    terminal.out(
      formatReadyBanner(started.services, terminal.colors, {
        stop: `supervisor pid ${started.supervisorPid}; stop: devstack down`,
        proxyUrl: started.proxyUrl,
        dashboardUrl: started.dashboardUrl,
      }),
    );
  return 0;
}

/**
 * Runs the supervisor as a detached process and resolves once startup is decided: ready, or
 * interrupted by a signal; a failure, a timeout or a supervisor that died reject with the error to
 * print. Status events are rendered through `context.terminal` meanwhile.
 */
export function startInBackground(
  context: CommandContext,
  config: ResolvedConfig,
  options: BackgroundOptions,
  supervisor: BackgroundSupervisor = spawnBackgroundSupervisor(context, stackPathsOf(context, config)),
): Promise<BackgroundStart> {
  const displayLogs = relative(context.cwd, config.logsDir) || '.';
  ensureLogsDir(config.logsDir, displayLogs);
  linkStderrLog(config.logsDir, supervisor.stderrPath);
  const { child } = supervisor;
  const { terminal } = context;
  const render = createEventRenderer(terminal, {
    names: config.services.map((service) => service.name),
    showOutput: options.showOutput,
    json: options.json,
  });
  const tell = (message: ParentMessage): void => {
    if (child.connected) child.send(message, () => undefined);
  };

  let configSent = false;
  void supervisor.wantsConfig.then(() => {
    if (decided) return;
    configSent = true;
    tell({ type: 'config', config: serializeConfig(config), env: definedEnv(context.env), options: superviseOptionsOf(options) });
  });
  let decided = false;

  return new Promise((resolve, reject) => {
    let interrupted: NodeJS.Signals | undefined;
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            if (configSent) return tell({ type: 'abort', reason: 'timeout' });
            decide(() => {
              supervisor.cancel();
              reject(notReadyInTime([]));
            });
          }, options.timeoutMs);
    const notReadyInTime = (services: readonly ServiceSnapshot[]): DevstackError =>
      new DevstackError(
        'STARTUP_FAILED',
        `the stack was not ready within ${formatMs(options.timeoutMs!)}: still starting: ${describePending(services)}`,
        { hint: 'everything that had started was stopped; see "devstack logs" for why, or raise --timeout' },
      );
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted !== undefined) return;
      interrupted = signal;
      terminal.err(terminal.colors.dim(`devstack: ${signal} received before the stack was ready: stopping what was started…`));
      if (configSent) return tell({ type: 'abort', reason: signal });
      // It has not been given its config: it has started nothing, and goes.
      decide(() => {
        supervisor.cancel();
        resolve({ type: 'interrupted', signal, services: [] });
      });
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    const decide = (action: () => void | Promise<void>): void => {
      if (decided) return;
      decided = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      void action();
    };
    child.on('message', (message: SupervisorMessage) => {
      switch (message.type) {
        case 'want-config':
          return; // answered through supervisor.wantsConfig, which may have seen it before this listener
        case 'event':
          return render(message.event);
        case 'started':
          return decide(async () => {
            const { outcome } = message;
            // Not ready: the supervisor has stopped what it started and exits after its cleanup; the
            // CLI returns once it has, so that nothing of the stack is left when it does.
            if (outcome.type !== 'ready' || interrupted !== undefined || timedOut) await exitOf(child, SUPERVISOR_EXIT_WAIT_MS);
            if (interrupted !== undefined) return resolve({ type: 'interrupted', signal: interrupted, services: message.services });
            if (timedOut) return reject(notReadyInTime(message.services));
            trace('cli-startup-decided');
            if (outcome.type === 'ready')
              return resolve({
                type: 'ready',
                services: message.services,
                supervisorPid: child.pid!,
                proxyUrl: message.proxyUrl,
                dashboardUrl: message.dashboardUrl,
              });
            if (outcome.type === 'failed') return reject(startupFailureError(outcome.failure));
            reject(new DevstackError('STARTUP_FAILED', `startup was interrupted: ${outcome.reason}`, { hint: 'see "devstack logs"' }));
          });
        case 'error':
          return decide(async () => {
            await exitOf(child, SUPERVISOR_EXIT_WAIT_MS);
            reject(new DevstackError(message.code, message.message, message.hint === undefined ? {} : { hint: message.hint }));
          });
      }
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      decide(() =>
        reject(
          new DevstackError(
            'STARTUP_FAILED',
            `the background supervisor ${signal === null ? `exited (code ${code ?? 'unknown'})` : `was killed by ${signal}`} before startup finished${causeOf(supervisor)}`,
            {
              hint: `see ${join(displayLogs, 'devstack.stderr.log')} and "devstack logs"; its guardian stops whatever it had started`,
            },
          ),
        ),
      );
    // An early supervisor (spawned by the launcher) may have died while the CLI loaded the config:
    // its 'exit' has been emitted already, and would never come again.
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.on('exit', onExit);
  });
}

/** ": <its first error line>" of a supervisor that died, or nothing when it wrote none. */
function causeOf(supervisor: BackgroundSupervisor): string {
  const cause = supervisor.deathCause();
  return cause === undefined ? '' : `: ${cause.trim()}`;
}

/** How long a CLI waits for a supervisor that gave up to finish its cleanup and exit. */
const SUPERVISOR_EXIT_WAIT_MS = 10_000;

/** Resolves when `child` has exited, or after `ms` (it is then left to its guardian). */
function exitOf(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // Referenced (decide() unref'd the child): the CLI must stay up until one of the two happens.
  child.ref();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
