/**
 * Pure: the one line a person reads for an event (`api ready in 412 ms`), with a tone the
 * terminal turns into a colour. Shared by the foreground view, the `sys` lines in the log files,
 * `devstack logs` and `devstack events`. Service output is not described here: it is shown as is.
 */
import { formatMs } from '../util/duration.js';
import { unreachable } from '../util/unreachable.js';
import type { RestartCause, SupervisorEvent } from './events.js';

export type Tone = 'plain' | 'ok' | 'warn' | 'error' | 'dim';

export interface EventLine {
  readonly text: string;
  readonly tone: Tone;
}

const line = (text: string, tone: Tone = 'plain'): EventLine => ({ text, tone });

export function describeCause(cause: RestartCause): string {
  switch (cause.type) {
    case 'change':
      return `(${cause.file} changed${cause.via === undefined ? '' : `, via ${cause.via}`})`;
    case 'manual':
      return '(devstack restart)';
    case 'crash':
      return `after a crash (attempt ${cause.attempt})`;
    case 'dependency':
      return `(${cause.service} restarted)`;
    default:
      return unreachable(cause);
  }
}

function describeState(event: Extract<SupervisorEvent, { type: 'state' }>): EventLine | undefined {
  const { state, service } = event;
  switch (state.type) {
    case 'starting':
      return state.pid === undefined ? undefined : line(`${service} started (pid ${state.pid})`);
    case 'ready':
      return line(`${service} ready in ${formatMs(state.readyAt - state.startedAt)}`, 'ok');
    case 'failed':
      return line(`service "${service}" failed: ${state.message}`, 'error');
    case 'exited':
      return line(`${service} exited with code ${state.code}`);
    case 'stopped':
      return event.previous === 'pending' ? undefined : line(`${service} stopped`);
    case 'backoff':
      return line(`${service} crashed (${state.message}): restarting in ${formatMs(state.delayMs)} (attempt ${state.attempt})`, 'warn');
    case 'stopping':
      return line(`${service} stopping`, 'dim');
    case 'pending':
      return undefined; // waiting is shown by `ps` and the dashboard, not as a line
    default:
      return unreachable(state);
  }
}

/** The line for an event, or undefined for events that are not shown on their own. */
export function describeEvent(event: SupervisorEvent): EventLine | undefined {
  switch (event.type) {
    case 'state':
      return describeState(event);
    case 'restarted':
      return line(`${event.service} restarted ${describeCause(event.cause)} — ready in ${formatMs(event.readyInMs)}`, 'ok');
    case 'restarting':
      return undefined;
    case 'pid-file-failed':
      return line(
        `${event.service}: could not write its PID file (${event.message}); "devstack down" after a supervisor crash relies on the run marker for it`,
        'warn',
      );
    case 'restart-loop':
      return line(
        `${event.service} rewrites ${event.file} in its own watched folder, restarting itself in a loop: restarts on change are paused (add it to watch.ignore; "devstack restart ${event.service}" resumes)`,
        'error',
      );
    case 'stop-escalated':
      return line(`${event.service} ignored ${event.signal} for ${formatMs(event.timeoutMs)}: sent SIGKILL`, 'warn');
    case 'stop-incomplete':
      return line(`${event.service}: processes ${event.survivors.join(', ')} survived SIGKILL`, 'error');
    case 'database-mode':
      return line(`${event.service} runs ${event.mode}; data in ${event.data}`);
    case 'database-skipped':
      return line(
        `${event.service} skipped (optional, and no way to run it here: ${event.tried.join('; ')}); its dependents start without its URL — to run it, ${event.hint}`,
        'warn',
      );
    case 'warning':
      return line(
        `${event.service === undefined ? '' : `${event.service}: `}${event.message}${event.hint === undefined ? '' : ` (${event.hint})`}`,
        'warn',
      );
    case 'invalid-transition':
      return line(`internal: ${event.service} got ${event.problem} (please report this)`, 'error');
    case 'startup-finished':
    case 'run-started':
    case 'run-finished':
    case 'output':
      return undefined;
    default:
      return unreachable(event);
  }
}
