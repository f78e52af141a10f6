/**
 * Which services a `devstack up` runs. Named services (plus everything they depend on, whatever
 * their profiles) when names are given; otherwise every service without profiles, plus those with
 * an active profile, plus their dependencies. As in Docker Compose.
 */
import { withDependencies } from '../graph/graph.js';
import type { ResolvedService } from './resolved.js';

export function selectServices(services: readonly ResolvedService[], requested: readonly string[], activeProfiles: readonly string[]): string[] {
  const roots =
    requested.length > 0
      ? requested
      : services.filter((service) => service.profiles.length === 0 || service.profiles.some((profile) => activeProfiles.includes(profile))).map((service) => service.name);
  return withDependencies(services, roots);
}
