/** Turns supervisor events into the merged, prefixed console stream of `devstack up`. */
import type { ChalkInstance } from 'chalk';
import type { RestartCause, SupervisorEvent } from '../../supervisor/events.js';
import { formatMs } from '../../util/duration.js';
import { createPrefixer, prefixLines } from './prefix.js';
import type { Terminal } from './terminal.js';

export interface RenderOptions {
  readonly names: readonly string[];
  /** Service output too, or only devstack's own status lines. */
  readonly showOutput: boolean;
}

export function formatStatusEvent(event: SupervisorEvent, colors: ChalkInstance): string | undefined {
  switch (event.type) {
    case 'state': {
      const { state, previous } = event;
      const name = `service "${event.service}"`;
      switch (state.type) {
        case 'starting':
          return `${event.service} started (pid ${state.pid})`;
        case 'ready':
          return colors.green(`${event.service} ready in ${formatMs(state.readyAt - state.startedAt)}`);
        case 'failed':
          return colors.red(`${name} failed: ${state.message}`);
        case 'exited':
          return `${event.service} exited with code 0`;
        case 'stopped':
          return previous.type === 'pending' ? undefined : `${event.service} stopped`;
        case 'backoff':
          return colors.yellow(
            `${event.service} crashed (${state.message}): restarting in ${formatMs(state.delayMs)} (attempt ${state.attempt})`,
          );
        case 'stopping':
        case 'pending':
          return undefined;
      }
      return undefined;
    }
    case 'restarted':
      return colors.green(`${event.service} restarted ${describeCause(event.cause)} — ready in ${formatMs(event.readyInMs)}`);
    case 'restarting':
      return undefined;
    case 'pid-file-failed':
      return colors.yellow(
        `${event.service}: could not write its PID file (${event.message}); "devstack down" after a supervisor crash relies on the run marker for it`,
      );
    case 'restart-loop':
      return colors.red(
        `${event.service} rewrites ${event.file} in its own watched folder, restarting itself in a loop: restarts on change are paused (add it to watch.ignore; "devstack restart ${event.service}" resumes)`,
      );
    case 'stop-escalated':
      return colors.yellow(`${event.service} ignored ${event.signal} for ${formatMs(event.timeoutMs)}: sent SIGKILL`);
    case 'stop-incomplete':
      return colors.red(`${event.service}: processes ${event.survivors.join(', ')} survived SIGKILL`);
    case 'database-mode':
      return `${event.service} runs ${event.mode}; data in ${event.data}`;
    case 'database-skipped':
      return colors.yellow(
        `${event.service} skipped (optional, and no way to run it here: ${event.tried.join('; ')}); its dependents start without its URL — to run it, ${event.hint}`,
      );
    case 'output':
      return undefined;
  }
}

function describeCause(cause: RestartCause): string {
  switch (cause.type) {
    case 'change':
      return `(${cause.file} changed)`;
    case 'manual':
      return '(devstack restart)';
    case 'crash':
      return `after a crash (attempt ${cause.attempt})`;
    case 'dependency':
      return `(${cause.service} restarted)`;
  }
}

/** During a restart only its outcome is shown: the stop and start in between would be noise. */
function isPartOfRestart(event: SupervisorEvent, restarting: ReadonlySet<string>): boolean {
  if (event.type !== 'state' || !restarting.has(event.service)) return false;
  return event.state.type !== 'failed' && event.state.type !== 'backoff';
}

export function createEventRenderer(terminal: Terminal, options: RenderOptions): (event: SupervisorEvent) => void {
  const prefix = createPrefixer(options.names, terminal.colors);
  const own = prefix('devstack');
  const restarting = new Set<string>();
  return (event) => {
    if (event.type === 'output') {
      if (options.showOutput) terminal.out(prefixLines(prefix(event.service), event.lines));
      return;
    }
    if (event.type === 'restarting') restarting.add(event.service);
    if (event.type === 'restarted' || (event.type === 'state' && (event.state.type === 'failed' || event.state.type === 'backoff')))
      restarting.delete(event.service);
    if (isPartOfRestart(event, restarting)) return;
    const line = formatStatusEvent(event, terminal.colors);
    if (line !== undefined) terminal.out(`${own} ${line}`);
  };
}
