/** Config as the CLI would see it, for unit tests: validated and resolved, or the one-line error. */
import { firstProblem } from '../../src/config/format-issues.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig, ResolvedProxy } from '../../src/config/resolved.js';
import { validateUserConfig } from '../../src/config/schema.js';
import type { PortPlan } from '../../src/config/templates.js';
import { resolveServiceEnv } from '../../src/env/service-env.js';
import { isDevstackError } from '../../src/errors.js';

/** The resolved config, or the message `devstack` would print for it. */
export function resolveOrMessage(config: unknown): ResolvedConfig | string {
  const parsed = validateUserConfig(config);
  if (!parsed.ok) return `services.config.ts: ${firstProblem(parsed.error).message}`;
  try {
    return resolveConfig({ config: parsed.value, file: '/project/services.config.ts', displayFile: 'services.config.ts' });
  } catch (error) {
    if (isDevstackError(error)) return error.message;
    throw error;
  }
}

/** The environment service `name` would start with, given the run's ports. */
export function environmentOf(config: ResolvedConfig, name: string, ports: PortPlan): Record<string, string> {
  const result = resolveServiceEnv({
    processEnv: {},
    root: '/nonexistent',
    mode: 'development',
    service: config.services.find((service) => service.name === name)!,
    services: config.services,
    ports,
    injected: {},
  });
  if (!result.ok) throw new Error(result.error.problem);
  return result.value.env;
}

/** A resolved proxy section: `/api/admin` → admin, `/api` → api (stripped), `/` → web, and two host names. */
export function resolvedProxy(
  hosts: Readonly<Record<string, string>> = { 'api.localhost': 'api', 'shop.localhost': 'web' },
): ResolvedProxy {
  return {
    port: 8080,
    routes: [
      { prefix: '/api/admin', service: 'admin', stripPrefix: false },
      { prefix: '/api', service: 'api', stripPrefix: true },
      { prefix: '/', service: 'web', stripPrefix: false },
    ],
    hosts,
    holdTimeoutMs: 30_000,
    maxHeld: 1000,
    accessLog: true,
    https: undefined,
    engine: 'auto',
  };
}
