/** What every command receives from main.ts, and the helpers most commands share. */
import { findConfigFile, loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { checkServiceNames } from '../config/service-names.js';
import { controlErrorOf, createControlClient, type ControlClient, type ControlError } from '../control/client.js';
import { stackPathsOfConfigFile, type StackPaths } from '../control/runtime-dir.js';
import { DevstackError } from '../errors.js';
import type { Terminal } from './render/terminal.js';

export interface CommandContext {
  readonly cwd: string;
  readonly terminal: Terminal;
  readonly configPath: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** The config file this command is about, without loading it (a path search, no TypeScript). */
export function configFileOf(context: CommandContext): string {
  return findConfigFile(contextSearch(context));
}

export function loadContextConfig(context: CommandContext): Promise<ResolvedConfig> {
  const file = configFileOf(context);
  // The last resolved config of this stack, in its private runtime folder (it may hold passwords).
  return loadConfig({ ...contextSearch(context), configPath: file, cacheFile: stackPathsOfFile(context, file).configCache });
}

/** A stack's runtime paths from its config file's path alone. */
export function stackPathsOfFile(context: CommandContext, file: string): StackPaths {
  return stackPathsOfConfigFile(context.env, file);
}

function contextSearch(context: CommandContext): { cwd: string; configPath?: string } {
  return context.configPath === undefined ? { cwd: context.cwd } : { cwd: context.cwd, configPath: context.configPath };
}

/** Where the stack of `config` keeps its control socket and run record. */
export function stackPathsOf(context: CommandContext, config: ResolvedConfig): StackPaths {
  return stackPathsOfFile(context, config.file);
}

export function controlClientOf(context: CommandContext, config: ResolvedConfig): ControlClient {
  return createControlClient(stackPathsOf(context, config).socket);
}

/**
 * A stack as the commands that talk to it see it: found from the config file's path alone (no
 * TypeScript, no validation), so `ps`, `down`, `restart`, `stop` and `start` against a running stack
 * answer without loading the config; `config()` loads it when a command needs it after all.
 */
export interface StackHandle {
  readonly file: string;
  readonly paths: StackPaths;
  readonly client: ControlClient;
  config(): Promise<ResolvedConfig>;
}

export function stackHandleOf(context: CommandContext): StackHandle {
  const file = configFileOf(context);
  const paths = stackPathsOfFile(context, file);
  let loaded: Promise<ResolvedConfig> | undefined;
  return {
    file,
    paths,
    client: createControlClient(paths.socket),
    config: () => (loaded ??= loadContextConfig(context)),
  };
}

/**
 * Rejects names the running stack does not have: suggests the closest of the config's services when
 * the name is not in the config at all, and says so when it is but not part of this run.
 */
export async function checkRunningNames(stack: StackHandle, running: readonly string[], names: readonly string[]): Promise<void> {
  const unknown = names.filter((name) => !running.includes(name));
  if (unknown.length === 0) return;
  const config = await stack.config();
  checkServiceNames(config, unknown);
  throw new DevstackError('REFUSED', `service "${unknown[0]}" is not part of the running stack`, {
    service: unknown[0]!,
    hint: `it was not started with this up (services of this run: ${running.join(', ')})`,
  });
}

/** The CLI's one error for a control request that could not be made. */
export function controlError(error: ControlError, config: { readonly displayFile: string }): DevstackError {
  return controlErrorOf(error, config.displayFile);
}

export { checkServiceNames };

/** The config as run: without its dashboard when `up --no-dashboard` says so, or for `devstack run`. */
export function withDashboard(config: ResolvedConfig, wanted: boolean): ResolvedConfig {
  return wanted || config.dashboard === undefined ? config : { ...config, dashboard: undefined };
}
