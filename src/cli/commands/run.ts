/**
 * `devstack run [--with svc,…] [--keep] -- <command…>`: the CI one-liner. Starts the stack (or the
 * named services and what they need) in the background, waits until it is ready, runs the command
 * with every service's URL and port in its environment — as a dependent of them would get them —
 * and exits with the command's exit code, tearing the stack down on every path: success, failure,
 * Ctrl-C, SIGTERM. A start failure prints the failing service's reason and log tail, and the command
 * never runs. A stack that is already running is used as it is and left running.
 *
 * devstack's own lines go to stderr, so the command's stdout stays its own.
 */
import { randomUUID } from 'node:crypto';
import { readRunRecord } from '../../app/run-record.js';
import { stopPlanFor, stopStack } from '../../app/stop-stack.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { stackId } from '../../control/runtime-dir.js';
import { DevstackError } from '../../errors.js';
import { commandEnvironment } from '../../app/command-env.js';
import { definedEnv } from '../../env/service-env.js';
import { exitCodeOf, runForeground, sweepCommand } from '../../process/foreground-command.js';
import type { ServiceSnapshot } from '../../supervisor/events.js';
import { formatMs } from '../../util/duration.js';
import { unreachable } from '../../util/unreachable.js';
import {
  checkServiceNames,
  controlClientOf,
  controlError,
  loadContextConfig,
  stackPathsOf,
  withDashboard,
  type CommandContext,
} from '../context.js';
import { startupFailureError } from '../render/error.js';
import type { Terminal } from '../render/terminal.js';
import { describePending, startInBackground } from './detach.js';
import { SIGNAL_NUMBERS } from './up.js';

export interface RunOptions {
  readonly command: readonly string[];
  /** Only these services and what they depend on; empty: the whole stack. */
  readonly with: readonly string[];
  /** Leave the stack running afterwards. */
  readonly keep: boolean;
  readonly timeoutMs: number | undefined;
  readonly profiles: readonly string[];
  readonly mode: string;
}

type Stack =
  | { readonly type: 'started'; readonly services: readonly ServiceSnapshot[] }
  | { readonly type: 'reused'; readonly services: readonly ServiceSnapshot[] }
  | { readonly type: 'interrupted'; readonly signal: NodeJS.Signals; readonly services: readonly ServiceSnapshot[] };

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runCommand(context: CommandContext, options: RunOptions): Promise<number> {
  if (options.command.length === 0)
    throw new DevstackError('USAGE', 'devstack run: no command to run', { hint: 'put the command after "--": devstack run -- npm test' });
  // A one-shot run for a command (tests, CI) has no one to look at a dashboard.
  const config = withDashboard(await loadContextConfig(context), false);
  checkServiceNames(config, options.with);
  const terminal = onStderr(context.terminal);
  const quiet = { ...context, terminal };

  // One handler for the whole run, so no signal ever finds devstack without one: while the stack
  // starts, startInBackground reacts too (it stops what started); before the command runs, the
  // signal is remembered and the command never starts; while it runs, the signal is passed on (a
  // terminal's Ctrl-C reaches it by itself, being in our process group); during the teardown, the
  // teardown finishes.
  let received: NodeJS.Signals | undefined;
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const handler = (signal: NodeJS.Signals): void => {
    received ??= signal;
    onSignal(signal);
  };
  for (const signal of FORWARDED) process.on(signal, handler);
  try {
    const stack = await stackFor(quiet, config, options);
    if (stack.type === 'interrupted') {
      terminal.err(`devstack: interrupted before the stack was ready; stopped it (still starting: ${describePending(stack.services)})`);
      return 128 + (SIGNAL_NUMBERS[stack.signal] ?? 0);
    }
    terminal.err(`devstack: ${describeStack(stack, options)}; running: ${options.command.join(' ')}`);
    await terminal.flush();
    let code: number;
    if (received !== undefined) {
      terminal.err(`devstack: ${received} received before the command started; it was not run`);
      code = 128 + (SIGNAL_NUMBERS[received] ?? 0);
    } else {
      code = await runTheCommand(context, config, stack, options, terminal, (forward) => (onSignal = forward));
      // A command that exits 0 on SIGTERM was still interrupted.
      if (received !== undefined && code === 0) code = 128 + (SIGNAL_NUMBERS[received] ?? 0);
    }
    if (stack.type === 'reused') return code;
    if (options.keep) {
      terminal.err('devstack: the stack keeps running (--keep); stop it with: devstack down');
      return code;
    }
    onSignal = (signal) => terminal.err(`devstack: ${signal} received; still stopping the stack`);
    return await tearDown(quiet, config, code);
  } finally {
    for (const signal of FORWARDED) process.off(signal, handler);
  }
}

/** Runs the command to its end; its exit code (127 when it was not found, 126 when it could not start). */
async function runTheCommand(
  context: CommandContext,
  config: ResolvedConfig,
  stack: Exclude<Stack, { type: 'interrupted' }>,
  options: RunOptions,
  terminal: Terminal,
  onSignal: (forward: (signal: NodeJS.Signals) => void) => void,
): Promise<number> {
  const id = randomUUID();
  const command = runForeground({
    argv: options.command,
    env: { ...definedEnv(context.env), ...commandEnvironment(config, stack.services, options.with) },
    cwd: context.cwd,
    id,
  });
  onSignal((signal) => command.signal(signal));
  const result = await command.done;
  let code: number;
  if (result.ok) code = exitCodeOf(result.value);
  else {
    terminal.err(`devstack: ${result.error.message}`);
    code = result.error.type === 'not-found' ? 127 : 126;
  }
  const left = await sweepCommand(id);
  if (left > 0) terminal.err(`devstack: stopped ${left} process(es) the command left running`);
  return code;
}

/** The running stack, made sure to run what was asked for; or a new one, started in the background. */
async function stackFor(context: CommandContext, config: ResolvedConfig, options: RunOptions): Promise<Stack> {
  const client = controlClientOf(context, config);
  const status = await client.status();
  if (!status.ok) {
    if (status.error.type !== 'not-running') throw controlError(status.error, config);
    const started = await startInBackground(context, config, {
      services: options.with,
      profiles: options.profiles,
      mode: options.mode,
      showOutput: false,
      json: false,
      timeoutMs: options.timeoutMs,
    });
    return started.type === 'ready' ? { type: 'started', services: started.services } : started;
  }
  const running = status.value.services;
  const wanted = options.with.length > 0 ? options.with : running.map((service) => service.name);
  for (const name of wanted) {
    const service = running.find((candidate) => candidate.name === name);
    if (service === undefined)
      throw new DevstackError('REFUSED', `service "${name}" is not part of the running stack`, {
        service: name,
        hint: 'stop the stack with "devstack down" and run again, or add it to that up',
      });
    if (service.state === 'ready' || (service.kind === 'task' && service.state === 'exited')) continue;
    // Not ready (stopped, still starting, crashed): start it and what it needs, and wait.
    const reply = await client.start(name);
    if (!reply.ok) throw controlError(reply.error, config);
    const outcome = reply.value;
    switch (outcome.type) {
      case 'ready':
        break;
      case 'failed':
        throw startupFailureError(outcome.failure);
      case 'aborted':
        throw new DevstackError('REFUSED', `could not start "${name}" in the running stack: ${outcome.reason}`, {
          hint: 'see "devstack ps"',
        });
      default:
        return unreachable(outcome);
    }
  }
  const after = await client.status();
  if (!after.ok) throw controlError(after.error, config);
  return { type: 'reused', services: after.value.services };
}

function describeStack(stack: Exclude<Stack, { type: 'interrupted' }>, options: RunOptions): string {
  const names = stack.services.map((service) => service.name).join(', ');
  switch (stack.type) {
    case 'reused':
      return `using the running stack (${names}); it stays up`;
    case 'started': {
      const started = Math.min(...stack.services.flatMap((service) => (service.startedAt === undefined ? [] : [service.startedAt])));
      const ready = Math.max(...stack.services.flatMap((service) => (service.readyAt === undefined ? [] : [service.readyAt])));
      const took = Number.isFinite(started) && Number.isFinite(ready) && ready >= started ? ` in ${formatMs(ready - started)}` : '';
      return `${names} ready${took}${options.keep ? '' : ' (stopped again afterwards)'}`;
    }
    default:
      return unreachable(stack);
  }
}

/** Stops the stack; a teardown that fails turns a passing command's 0 into 1, never hides a failure's code. */
async function tearDown(context: CommandContext, config: ResolvedConfig, code: number): Promise<number> {
  const { terminal } = context;
  try {
    const paths = stackPathsOf(context, config);
    const report = await stopStack({
      client: controlClientOf(context, config),
      plan: () => stopPlanFor(config, stackId(config.file), paths.record, readRunRecord(paths.record)),
      services: [],
      pathVariable: context.env['PATH'],
    });
    terminal.err(report.type === 'nothing-running' ? 'devstack: the stack had already stopped' : 'devstack: stopped the stack');
    return code;
  } catch (error) {
    terminal.err(`devstack: could not stop the stack: ${error instanceof Error ? error.message : String(error)} (try: devstack down)`);
    return code === 0 ? 1 : code;
  }
}

/** The same terminal with everything on stderr: the command's stdout is its own. */
function onStderr(terminal: Terminal): Terminal {
  return { ...terminal, out: terminal.err, outAsync: (text) => void terminal.err(text), live: terminal.err };
}
