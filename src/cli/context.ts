/** What every command receives from main.ts, and the helpers most commands share. */
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { createControlClient, describeControlError, type ControlClient, type ControlError } from '../control/client.js';
import { runtimeDir, stackId, stackPaths, type StackPaths } from '../control/runtime-dir.js';
import { DevstackError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { Terminal } from './render/terminal.js';

export interface CommandContext {
  readonly cwd: string;
  readonly terminal: Terminal;
  readonly configPath: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

export function loadContextConfig(context: CommandContext): Promise<ResolvedConfig> {
  return loadConfig(context.configPath === undefined ? { cwd: context.cwd } : { cwd: context.cwd, configPath: context.configPath });
}

/** Where the stack of `config` keeps its control socket and run record. */
export function stackPathsOf(context: CommandContext, config: ResolvedConfig): StackPaths {
  return stackPaths(runtimeDir(context.env['DEVSTACK_RUNTIME_DIR']), stackId(config.file));
}

export function controlClientOf(context: CommandContext, config: ResolvedConfig): ControlClient {
  return createControlClient(stackPathsOf(context, config).socket);
}

/** The CLI's one error for a control request that could not be made. */
export function controlError(error: ControlError, config: ResolvedConfig): DevstackError {
  const hint =
    error.type === 'not-running'
      ? 'start the stack with "devstack up"'
      : error.type === 'version-mismatch'
        ? 'stop it with "devstack down" (it works without talking to it), then start it again with this devstack'
        : 'see logs/devstack.stderr.log and "devstack ps"';
  return new DevstackError(
    error.type === 'not-running' ? 'NOT_RUNNING' : 'CONTROL_FAILED',
    describeControlError(error, config.displayFile),
    { hint },
  );
}

/** Rejects names that are not services of the config, suggesting the closest one. */
export function checkServiceNames(config: ResolvedConfig, names: readonly string[]): void {
  const known = config.services.map((service) => service.name);
  for (const name of names) {
    if (!known.includes(name)) {
      throw new DevstackError('UNKNOWN_SERVICE', `unknown service "${name}"${didYouMean(name, known)}`, {
        service: name,
        hint: `services in ${config.displayFile}: ${known.join(', ')}`,
      });
    }
  }
}
