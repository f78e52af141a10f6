/**
 * The environment a service's processes start with. Precedence, later wins:
 * devstack's own environment → the service's `env` → what devstack injects (PORT, run marker).
 */
import type { ResolvedService } from '../config/resolved.js';

export interface ServiceEnvInput {
  /** devstack's own environment (process.env, with undefined values dropped). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly service: ResolvedService;
  /** Variables devstack must control, such as its run marker. */
  readonly injected: Readonly<Record<string, string>>;
}

export function buildServiceEnv({ baseEnv, service, injected }: ServiceEnvInput): Record<string, string> {
  const port: Record<string, string> = service.port === undefined ? {} : { PORT: String(service.port) };
  return { ...baseEnv, ...service.env, ...port, ...injected };
}

/** process.env without undefined values (the type Node gives it allows them). */
export function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}
