/**
 * Which services a `devstack up` runs. Named services (plus everything they depend on, whatever
 * their profiles) when names are given; otherwise every service without profiles, plus those with
 * an active profile, plus their dependencies. As in Docker Compose.
 */
import { withDependencies } from '../graph/graph.js';
import type { ResolvedConfig, ResolvedService } from './resolved.js';

export function selectServices(
  services: readonly ResolvedService[],
  requested: readonly string[],
  activeProfiles: readonly string[],
): string[] {
  const roots =
    requested.length > 0
      ? requested
      : services
          .filter((service) => service.profiles.length === 0 || service.profiles.some((profile) => activeProfiles.includes(profile)))
          .map((service) => service.name);
  return withDependencies(services, roots);
}

/** The config without these services, and without the dependencies on them (an optional database left out). */
export function withoutServices(config: ResolvedConfig, names: readonly string[]): ResolvedConfig {
  if (names.length === 0) return config;
  const services = config.services
    .filter((service) => !names.includes(service.name))
    .map((service) => ({ ...service, dependsOn: service.dependsOn.filter((dependency) => !names.includes(dependency)) }));
  return { ...config, services };
}
