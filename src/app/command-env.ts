/** The environment `devstack run` gives its command: the stack, seen as a dependent sees it. */
import type { ResolvedConfig } from '../config/resolved.js';
import type { PortPlan } from '../config/templates.js';
import { dependencyVariables } from '../env/service-env.js';
import { withDependencies } from '../graph/graph.js';
import type { ServiceSnapshot } from '../supervisor/events.js';

/** What the command gets: each service's <NAME>_URL, <NAME>_PORT, DATABASE_URL…, as a dependent would. */
export function commandEnvironment(
  config: ResolvedConfig,
  services: readonly ServiceSnapshot[],
  only: readonly string[],
): Record<string, string> {
  const names = only.length > 0 ? withDependencies(config.services, only) : services.map((service) => service.name);
  const plan: PortPlan = new Map(
    services.map((snapshot) => {
      const resolved = config.services.find((service) => service.name === snapshot.name);
      const ordered = (resolved?.ports ?? []).flatMap((port) => {
        const number = snapshot.ports[port.name];
        return number === undefined ? [] : [[port.name, number] as const];
      });
      return [snapshot.name, new Map(ordered)];
    }),
  );
  return Object.fromEntries(dependencyVariables(names, config.services, plan).map((variable) => [variable.key, variable.value]));
}
