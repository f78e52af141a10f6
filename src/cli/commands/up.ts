/**
 * `devstack up [svc…]`: foreground by default (merged, prefixed output; Ctrl-C, SIGTERM and SIGHUP
 * stop everything in order). `-d` and `--wait` run the supervisor in the background and return
 * once every requested service is ready (0) or one failed (1); `--wait` also shows the output
 * while waiting.
 */
import type { ServiceSnapshot, StartupOutcome } from '../../supervisor/events.js';
import { checkServiceNames, configFileOf, loadContextConfig, stackPathsOfFile, withDashboard, type CommandContext } from '../context.js';
import { spawnBackgroundSupervisor } from '../background-supervisor.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { setEmergencyStop } from '../fatal.js';
import { formatError, startupFailureError } from '../render/error.js';
import { formatReadyBanner, type BannerOptions } from '../render/ready-banner.js';
import { createEventRenderer } from '../render/supervisor-events.js';
import { startDetached } from './detach.js';
import { cancelEarlySupervisor, claimEarlySupervisor } from '../early-supervisor.js';
import { trace } from '../../util/trace.js';

export interface UpOptions {
  readonly services: readonly string[];
  readonly detach: boolean;
  readonly wait: boolean;
  readonly json: boolean;
  /** With -d/--wait: how long startup may take before it is given up. */
  readonly timeoutMs: number | undefined;
  readonly profiles: readonly string[];
  readonly mode: string;
  /** False: no dashboard, whatever the config says (`--no-dashboard`). */
  readonly dashboard: boolean;
}

export const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

export async function upCommand(context: CommandContext, options: UpOptions): Promise<number> {
  if (options.detach || options.wait) {
    // The background supervisor starts while the config loads (see background-supervisor.ts), if
    // the launcher has not started it already (early-supervisor.ts).
    const paths = stackPathsOfFile(context, configFileOf(context));
    const supervisor = claimEarlySupervisor(paths.stderr) ?? spawnBackgroundSupervisor(context, paths);
    let config: ResolvedConfig;
    try {
      config = withDashboard(await loadContextConfig(context), options.dashboard);
      trace('config-loaded');
      checkServiceNames(config, options.services);
    } catch (error) {
      supervisor.cancel();
      throw error;
    }
    return startDetached(context, config, options, supervisor);
  }
  cancelEarlySupervisor(); // a value such as `--profile -d` looked like a detached up to the launcher
  const config = withDashboard(await loadContextConfig(context), options.dashboard);
  checkServiceNames(config, options.services);

  const names = config.services.map((service) => service.name);
  const { terminal } = context;
  // Loaded only here: `up -d` runs the supervisor in another process and never needs it in this one.
  const { startStack } = await import('../start-stack.js');
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
  reportStartup(outcome, context, options, () => run.supervisor.snapshot(), { proxyUrl: run.proxyUrl, dashboardUrl: run.dashboardUrl });
  const code = await run.finished;
  if (stoppedBy !== undefined) return 128 + (SIGNAL_NUMBERS[stoppedBy] ?? 0);
  return code;
}

function reportStartup(
  outcome: StartupOutcome,
  context: CommandContext,
  options: UpOptions,
  snapshot: () => readonly ServiceSnapshot[],
  urls: Pick<BannerOptions, 'proxyUrl' | 'dashboardUrl'>,
): void {
  if (options.json) return;
  if (outcome.type === 'failed') {
    // Printed here, returned as exit code 1 later: the run still has to stop what it started.
    context.terminal.err(formatError(startupFailureError(outcome.failure), context.terminal.colors));
  } else if (outcome.type === 'ready') {
    context.terminal.live(formatReadyBanner(snapshot(), context.terminal.colors, { stop: 'Ctrl-C stops everything', ...urls }));
  }
}
