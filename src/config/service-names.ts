/** One check for service names given on the command line or to a tool: what the CLI and the MCP server both use. */
import { DevstackError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { ResolvedConfig } from './resolved.js';

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
