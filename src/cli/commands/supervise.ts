/** The background supervisor behind `up -d` / `up --wait` (started by detach.ts, not by users). */
import type { StackRun } from '../../app/run-stack.js';
import { deserializeConfig } from '../../config/serialize.js';
import { isDevstackError, type ErrorCode } from '../../errors.js';
import type { ServiceSnapshot, StampedEvent, StartupOutcome } from '../../supervisor/events.js';
import type { CommandContext } from '../context.js';
import { setEmergencyStop } from '../fatal.js';
import { startStack } from '../start-stack.js';
import { trustExtraCaCerts } from '../../util/tls-trust.js';
import { trace } from '../../util/trace.js';

/** What the CLI sends: first the config it loaded and validated, then possibly an abort. */
export type ParentMessage =
  /** `env`: the CLI's environment, for the services (the supervisor's own lacks NODE_EXTRA_CA_CERTS). */
  | {
      readonly type: 'config';
      readonly config: string;
      readonly env: Readonly<Record<string, string>>;
      readonly options: SuperviseOptions;
    }
  /** Ctrl-C or --timeout while waiting: stop what started, and report what was still pending. */
  | { readonly type: 'abort'; readonly reason: string };

export type SupervisorMessage =
  | { readonly type: 'want-config' }
  | { readonly type: 'event'; readonly event: StampedEvent }
  | {
      readonly type: 'started';
      readonly outcome: StartupOutcome;
      readonly services: readonly ServiceSnapshot[];
      readonly proxyUrl?: string | undefined;
      readonly dashboardUrl?: string | undefined;
    }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string; readonly hint: string | undefined };

function send(message: SupervisorMessage): void {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined); // the parent may have gone: fine
}

/**
 * Asks once listening, so the answer cannot arrive before there is a listener for it. A CLI that
 * goes before answering (killed, or it never needed this supervisor) leaves nothing to run: exit,
 * whatever else might keep this process alive (tested: test/e2e/supervisor-death.test.ts).
 */
function receiveConfig(): Promise<Extract<ParentMessage, { type: 'config' }>> {
  const leave = (): never => process.exit(0);
  process.once('disconnect', leave);
  const received = new Promise<Extract<ParentMessage, { type: 'config' }>>((resolve) =>
    process.on('message', (message: ParentMessage) => {
      if (message.type !== 'config') return;
      process.off('disconnect', leave);
      resolve(message);
    }),
  );
  send({ type: 'want-config' });
  return received;
}

/** What detach.ts tells the background supervisor to start, with the config. */
export interface SuperviseOptions {
  readonly services: readonly string[];
  readonly profiles: readonly string[];
  readonly mode: string;
  /** Forward service output (for `up --wait`), not only status events. */
  readonly stream: boolean;
}

export async function superviseCommand(context: Pick<CommandContext, 'cwd' | 'env'>): Promise<number> {
  // Detached: no terminal to lose, but `devstack down` may still send SIGTERM as a fallback.
  let run: StackRun;
  const received = await receiveConfig();
  const { options } = received;
  try {
    const config = deserializeConfig(received.config);
    trace('supervisor-config');
    if (process.env['NODE_EXTRA_CA_CERTS'] === undefined) trustExtraCaCerts(received.env['NODE_EXTRA_CA_CERTS']);
    run = await startStack({ cwd: context.cwd, env: received.env }, config, options, (event) => {
      if (event.type !== 'output' || options.stream) send({ type: 'event', event });
    });
  } catch (error) {
    if (!isDevstackError(error)) throw error;
    send({ type: 'error', code: error.code, message: error.message, hint: error.details.hint });
    return 1;
  }
  setEmergencyStop(() => run.supervisor.stopAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void run.supervisor.stopAll());
  let pendingAtAbort: readonly ServiceSnapshot[] | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'abort' || pendingAtAbort !== undefined) return;
    pendingAtAbort = run.supervisor.snapshot();
    void run.supervisor.stopAll();
  });
  const outcome = await run.started;
  trace('supervisor-startup-finished');
  send({
    type: 'started',
    outcome,
    services: pendingAtAbort ?? run.supervisor.snapshot(),
    proxyUrl: run.proxyUrl,
    dashboardUrl: run.dashboardUrl,
  });
  if (process.connected) process.disconnect();
  return run.finished;
}
