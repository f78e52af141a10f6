/** The background supervisor behind `up -d` / `up --wait` (started by detach.ts, not by users). */
import type { StackRun } from '../../app/run-stack.js';
import { isDevstackError, type ErrorCode } from '../../errors.js';
import type { StartOutcome, SupervisorEvent } from '../../supervisor/events.js';
import { deserializeConfig } from '../../config/serialize.js';
import type { CommandContext } from '../context.js';
import { startStack } from '../start-stack.js';
import { setEmergencyStop } from '../fatal.js';

/** The parent's first message: the config it loaded and validated. */
export interface ConfigMessage {
  readonly type: 'config';
  readonly config: string;
}

/** Asks once listening, so the answer cannot arrive before there is a listener for it. */
function receiveConfig(): Promise<ConfigMessage> {
  const received = new Promise<ConfigMessage>((resolve) => process.once('message', (message: ConfigMessage) => resolve(message)));
  send({ type: 'want-config' });
  return received;
}

export type SupervisorMessage =
  | { readonly type: 'want-config' }
  | { readonly type: 'event'; readonly event: SupervisorEvent }
  | { readonly type: 'started'; readonly outcome: StartOutcome }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string; readonly hint: string | undefined };

function send(message: SupervisorMessage): void {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined); // the parent may have gone: fine
}

/** What detach.ts hands the background supervisor, as one JSON argument (the config comes over IPC). */
export interface SuperviseOptions {
  readonly services: readonly string[];
  readonly profiles: readonly string[];
  readonly mode: string;
  /** Forward service output (for `up --wait`), not only status events. */
  readonly stream: boolean;
}

export async function superviseCommand(context: CommandContext, options: SuperviseOptions): Promise<number> {
  // Detached: no terminal to lose, but `devstack down` may still send SIGTERM as a fallback.
  let run: StackRun;
  try {
    const config = deserializeConfig((await receiveConfig()).config);
    run = await startStack(context, config, options, (event) => {
      if (event.type !== 'output' || options.stream) send({ type: 'event', event });
    });
  } catch (error) {
    if (!isDevstackError(error)) throw error;
    send({ type: 'error', code: error.code, message: error.message, hint: error.details.hint });
    return 1;
  }
  setEmergencyStop(() => run.supervisor.stopAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void run.supervisor.stopAll());
  const outcome = await run.started;
  send({ type: 'started', outcome });
  if (process.connected) process.disconnect();
  return run.finished;
}
