/** Starts a supervisor run in this process (foreground `up`, or the background supervisor). */
import { runStack, type StackRun } from '../app/run-stack.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { definedEnv } from '../env/service-env.js';
import type { SupervisorListener } from '../supervisor/events.js';
import type { CommandContext } from './context.js';

/** What `up` was asked to run. */
export interface StackSelection {
  readonly services: readonly string[];
  readonly profiles: readonly string[];
  readonly mode: string;
}

export function startStack(
  context: Pick<CommandContext, 'cwd' | 'env'>,
  config: ResolvedConfig,
  selection: StackSelection,
  onEvent: SupervisorListener,
): Promise<StackRun> {
  return runStack({
    config,
    services: selection.services,
    profiles: selection.profiles,
    mode: selection.mode,
    processEnv: definedEnv(context.env),
    cwd: context.cwd,
    onEvent,
  });
}
