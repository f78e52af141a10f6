/**
 * `devstack up [svc…]`: foreground by default (merged, prefixed output; Ctrl-C, SIGTERM and SIGHUP
 * stop everything in order). `-d` and `--wait` run the supervisor in the background and return
 * once every requested service is ready (0) or one failed (1); `--wait` also shows the output
 * while waiting.
 */
import type { ServiceSnapshot, StartupOutcome } from '../../supervisor/events.js';
import { checkServiceNames, loadContextConfig, type CommandContext } from '../context.js';
import { startStack } from '../start-stack.js';
import { setEmergencyStop } from '../fatal.js';
import { formatError, startupFailureError } from '../render/error.js';
import { formatReadyBanner } from '../render/ready-banner.js';
import { createEventRenderer } from '../render/supervisor-events.js';
import { startDetached } from './detach.js';

export interface UpOptions {
  readonly services: readonly string[];
  readonly detach: boolean;
  readonly wait: boolean;
  readonly json: boolean;
  /** With -d/--wait: how long startup may take before it is given up. */
  readonly timeoutMs: number | undefined;
  readonly profiles: readonly string[];
  readonly mode: string;
}

export const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

export async function upCommand(context: CommandContext, options: UpOptions): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, options.services);
  if (options.detach || options.wait) return startDetached(context, config, options);

  const names = config.services.map((service) => service.name);
  const { terminal } = context;
  const run = await startStack(context, config, options, createEventRenderer(terminal, { names, showOutput: true, json: options.json }));
  setEmergencyStop(() => run.supervisor.stopAll());

  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy === undefined) {
      stoppedBy = signal;
      if (!options.json)
        terminal.err(terminal.colors.dim(`devstack: ${signal} received, stopping all services (send again to see what is pending)`));
      void run.supervisor.stopAll();
    } else {
      const pending = run.supervisor
        .snapshot()
        .filter((service) => service.state === 'stopping')
        .map((service) => service.name);
      terminal.err(`devstack: still stopping ${pending.join(', ') || 'services'} (SIGKILL follows each stopTimeout)`);
    }
  };
  for (const signal of Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[]) process.on(signal, onSignal);

  const outcome = await run.started;
  reportStartup(outcome, context, options, () => run.supervisor.snapshot());
  const code = await run.finished;
  if (stoppedBy !== undefined) return 128 + (SIGNAL_NUMBERS[stoppedBy] ?? 0);
  return code;
}

function reportStartup(
  outcome: StartupOutcome,
  context: CommandContext,
  options: UpOptions,
  snapshot: () => readonly ServiceSnapshot[],
): void {
  if (options.json) return;
  if (outcome.type === 'failed') {
    // Printed here, returned as exit code 1 later: the run still has to stop what it started.
    context.terminal.err(formatError(startupFailureError(outcome.failure), context.terminal.colors));
  } else if (outcome.type === 'ready') {
    context.terminal.live(formatReadyBanner(snapshot(), context.terminal.colors, { stop: 'Ctrl-C stops everything' }));
  }
}
