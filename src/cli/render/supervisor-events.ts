/** Turns supervisor events into the merged, prefixed console stream of `devstack up`. */
import type { ChalkInstance } from 'chalk';
import type { SupervisorEvent } from '../../supervisor/events.js';
import { formatMs } from '../../supervisor/service-runner.js';
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
        case 'stopping':
        case 'pending':
          return undefined;
      }
      return undefined;
    }
    case 'stop-escalated':
      return colors.yellow(`${event.service} ignored ${event.signal} for ${formatMs(event.timeoutMs)}: sent SIGKILL`);
    case 'stop-incomplete':
      return colors.red(`${event.service}: processes ${event.survivors.join(', ')} survived SIGKILL`);
    case 'output':
      return undefined;
  }
}

export function createEventRenderer(terminal: Terminal, options: RenderOptions): (event: SupervisorEvent) => void {
  const prefix = createPrefixer(options.names, terminal.colors);
  const own = prefix('devstack');
  return (event) => {
    if (event.type === 'output') {
      if (options.showOutput) terminal.out(prefixLines(prefix(event.service), event.lines));
      return;
    }
    const line = formatStatusEvent(event, terminal.colors);
    if (line !== undefined) terminal.out(`${own} ${line}`);
  };
}

