/** What every command receives from main.ts. */
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/resolved.js';
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
