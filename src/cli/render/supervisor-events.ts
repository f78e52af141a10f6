/**
 * Turns supervisor events into the merged, prefixed console stream of `devstack up`, or into JSON
 * lines with `--json`. The live view never blocks the supervisor: lines the terminal does not take
 * are dropped (the log files keep them all) and a note says how many were skipped.
 */
import type { ChalkInstance } from 'chalk';
import { describeEvent, type Tone } from '../../supervisor/describe-event.js';
import type { StampedEvent, SupervisorEvent } from '../../supervisor/events.js';
import { cleanLines } from '../../util/terminal-text.js';
import { unreachable } from '../../util/unreachable.js';
import { createPrefixer, prefixLines } from './prefix.js';
import type { Terminal } from './terminal.js';

export interface RenderOptions {
  readonly names: readonly string[];
  /** Service output too, or only devstack's own status lines. */
  readonly showOutput: boolean;
  /** JSON lines instead of the prefixed view. */
  readonly json?: boolean;
}

export function colorByTone(colors: ChalkInstance, tone: Tone, text: string): string {
  switch (tone) {
    case 'plain':
      return text;
    case 'ok':
      return colors.green(text);
    case 'warn':
      return colors.yellow(text);
    case 'error':
      return colors.red(text);
    case 'dim':
      return colors.dim(text);
    default:
      return unreachable(tone);
  }
}

/** The status line of an event as `up` prints it, coloured; undefined when it shows none. */
export function formatStatusEvent(event: SupervisorEvent, colors: ChalkInstance): string | undefined {
  const line = describeEvent(event);
  return line === undefined || line.tone === 'dim' ? undefined : colorByTone(colors, line.tone, line.text);
}

/** During a restart only its outcome is shown: the stop and start in between would be noise. */
function isPartOfRestart(event: SupervisorEvent, restarting: ReadonlySet<string>): boolean {
  if (event.type !== 'state' || !restarting.has(event.service)) return false;
  return event.state.type !== 'failed' && event.state.type !== 'backoff';
}

export function createEventRenderer(terminal: Terminal, options: RenderOptions): (event: StampedEvent) => void {
  if (options.json) {
    return (event) => {
      if (event.type !== 'output' || options.showOutput) terminal.live(JSON.stringify(event));
    };
  }
  const prefix = createPrefixer(options.names, terminal.colors);
  const own = prefix('devstack');
  const restarting = new Set<string>();
  const show = (text: string): void => {
    const skipped = terminal.stdout.takeSkipped();
    if (skipped > 0)
      terminal.live(
        `${own} ${terminal.colors.yellow(`(skipped ${skipped} writes while the terminal was not reading: every line is in the log files)`)}`,
      );
    terminal.live(text);
  };
  return (event) => {
    if (event.type === 'output') {
      if (options.showOutput)
        show(
          prefixLines(prefix(event.service), terminal.colorEnabled || event.plain === true ? event.lines : cleanLines(event.lines, false)),
        );
      return;
    }
    if (event.type === 'restarting') restarting.add(event.service);
    if (event.type === 'restarted' || (event.type === 'state' && (event.state.type === 'failed' || event.state.type === 'backoff'))) {
      restarting.delete(event.service);
    }
    if (isPartOfRestart(event, restarting)) return;
    const line = formatStatusEvent(event, terminal.colors);
    if (line !== undefined) show(`${own} ${line}`);
  };
}
