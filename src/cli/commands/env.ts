/**
 * `devstack env <svc> [--json] [--reveal] [--all]`: the environment the service gets (or got, when
 * the stack runs) and where each value comes from. Secrets are masked unless --reveal.
 */
import getPort from 'get-port';
import { LOCAL_HOST, type PortPlan } from '../../config/templates.js';
import { DevstackError } from '../../errors.js';
import { describeEnvFileProblem } from '../../env/env-file.js';
import { unreachable } from '../../util/unreachable.js';
import { definedEnv, resolveServiceEnv, type EnvSource } from '../../env/service-env.js';
import { maskValue } from '../../util/secrets.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { checkServiceNames, controlClientOf, loadContextConfig, type CommandContext } from '../context.js';

export interface EnvOptions {
  readonly service: string;
  readonly json: boolean;
  readonly reveal: boolean;
  readonly all: boolean;
  readonly mode: string;
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
async function currentPorts(context: CommandContext, config: ResolvedConfig): Promise<PortPlan> {
  const status = await controlClientOf(context, config).status(2000);
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

export async function envCommand(context: CommandContext, options: EnvOptions): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, [options.service]);
  const service = config.services.find((candidate) => candidate.name === options.service)!;
  const resolved = resolveServiceEnv({
    processEnv: definedEnv(context.env),
    root: config.root,
    mode: options.mode,
    service,
    services: config.services,
    ports: await currentPorts(context, config),
    injected: {},
  });
  if (!resolved.ok) {
    const problem = describeEnvFileProblem(resolved.error, context.cwd);
    throw new DevstackError('ENV_FILE_INVALID', problem.message, { hint: problem.hint });
  }

  const { env, sources } = resolved.value;
  const keys = Object.keys(env).sort();
  const shown = options.all ? keys : keys.filter((key) => sources[key]!.type !== 'process');
  const valueOf = (key: string): string => (options.reveal ? env[key]! : maskValue(key, env[key]!));
  if (options.json) {
    const entries = shown.map((key) => [key, { value: valueOf(key), source: describeSource(sources[key]!, config.displayFile) }]);
    context.terminal.out(JSON.stringify(Object.fromEntries(entries), null, 2));
    return 0;
  }
  const lines = shown.map((key) => `${key}=${valueOf(key)}`);
  const width = Math.min(60, Math.max(0, ...lines.map((line) => line.length)));
  const { colors } = context.terminal;
  context.terminal.out(
    shown
      .map((key, index) => `${lines[index]!.padEnd(width)}  ${colors.dim(`# ${describeSource(sources[key]!, config.displayFile)}`)}`)
      .join('\n'),
  );
  const hidden = keys.length - shown.length;
  if (hidden > 0) context.terminal.out(colors.dim(`(+${hidden} variables passed through from devstack's environment; --all shows them)`));
  return 0;
}
