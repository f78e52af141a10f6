/**
 * The environment one service gets (or got, when its stack runs), each variable with where it
 * comes from and secrets masked unless revealed: what `devstack env` prints and the MCP server's
 * `env` tool returns, so both mask exactly alike.
 */
import getPort from 'get-port';
import type { ResolvedConfig, ResolvedService } from '../config/resolved.js';
import { LOCAL_HOST, type PortPlan } from '../config/templates.js';
import type { ControlClient } from '../control/client.js';
import { DevstackError } from '../errors.js';
import { describeEnvFileProblem } from '../env/env-file.js';
import { definedEnv, resolveServiceEnv, type EnvSource } from '../env/service-env.js';
import { maskValue } from '../util/secrets.js';
import { unreachable } from '../util/unreachable.js';

export interface EnvVariable {
  readonly key: string;
  /** Masked (`****`) when it looks secret, unless revealed. */
  readonly value: string;
  /** Where it comes from: a file, the config, devstack (a port, a URL), or devstack's own environment. */
  readonly source: string;
  /** Passed through from devstack's own environment (PATH, HOME…): not shown unless asked for. */
  readonly passedThrough: boolean;
}

export interface EnvironmentRequest {
  readonly config: ResolvedConfig;
  readonly service: ResolvedService;
  readonly processEnv: NodeJS.ProcessEnv;
  readonly mode: string;
  /** The running stack, whose ports win over the configured ones. */
  readonly client: ControlClient;
  readonly reveal: boolean;
  /** For env file problems' paths. */
  readonly cwd: string;
}

function describeSource(source: EnvSource, configFile: string): string {
  switch (source.type) {
    case 'process':
      return "devstack's environment";
    case 'file':
      return source.path;
    case 'config':
      return configFile;
    case 'devstack':
      return `devstack: ${source.why}`;
    default:
      return unreachable(source);
  }
}

/** The running stack's ports, or the ones `up` would use (auto ports: a free one now). */
async function currentPorts(client: ControlClient, config: ResolvedConfig): Promise<PortPlan> {
  const status = await client.status(2000);
  const plan = new Map<string, Map<string, number>>();
  if (status.ok) for (const service of status.value.services) plan.set(service.name, new Map(Object.entries(service.ports)));
  for (const service of config.services) {
    if (plan.has(service.name)) continue;
    const ports = new Map<string, number>();
    for (const entry of service.ports) ports.set(entry.name, entry.port === 'auto' ? await getPort({ host: LOCAL_HOST }) : entry.port);
    plan.set(service.name, ports);
  }
  return plan;
}

/** Every variable, sorted by name. Throws a DevstackError for an unreadable env file. */
export async function serviceEnvironment(request: EnvironmentRequest): Promise<EnvVariable[]> {
  const { config, service } = request;
  const resolved = resolveServiceEnv({
    processEnv: definedEnv(request.processEnv),
    root: config.root,
    mode: request.mode,
    service,
    services: config.services,
    ports: await currentPorts(request.client, config),
    injected: {},
  });
  if (!resolved.ok) {
    const problem = describeEnvFileProblem(resolved.error, request.cwd);
    throw new DevstackError('ENV_FILE_INVALID', problem.message, { hint: problem.hint });
  }
  const { env, sources } = resolved.value;
  return Object.keys(env)
    .sort()
    .map((key) => ({
      key,
      value: request.reveal ? env[key]! : maskValue(key, env[key]!),
      source: describeSource(sources[key]!, config.displayFile),
      passedThrough: sources[key]!.type === 'process',
    }));
}
