/**
 * `devstack env <svc> [--json] [--reveal] [--all]`: the environment the service gets (or got, when
 * the stack runs) and where each value comes from. Secrets are masked unless --reveal.
 */
import { serviceEnvironment } from '../../app/service-environment.js';
import { checkServiceNames, controlClientOf, loadContextConfig, type CommandContext } from '../context.js';

export interface EnvOptions {
  readonly service: string;
  readonly json: boolean;
  readonly reveal: boolean;
  readonly all: boolean;
  readonly mode: string;
}

export async function envCommand(context: CommandContext, options: EnvOptions): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, [options.service]);
  const service = config.services.find((candidate) => candidate.name === options.service)!;
  const variables = await serviceEnvironment({
    config,
    service,
    processEnv: context.env,
    mode: options.mode,
    client: controlClientOf(context, config),
    reveal: options.reveal,
    cwd: context.cwd,
  });
  const shown = options.all ? variables : variables.filter((variable) => !variable.passedThrough);
  if (options.json) {
    const entries = shown.map(({ key, value, source }) => [key, { value, source }]);
    context.terminal.out(JSON.stringify(Object.fromEntries(entries), null, 2));
    return 0;
  }
  const lines = shown.map(({ key, value }) => `${key}=${value}`);
  const width = Math.min(60, Math.max(0, ...lines.map((line) => line.length)));
  const { colors } = context.terminal;
  context.terminal.out(shown.map((variable, index) => `${lines[index]!.padEnd(width)}  ${colors.dim(`# ${variable.source}`)}`).join('\n'));
  const hidden = variables.length - shown.length;
  if (hidden > 0) context.terminal.out(colors.dim(`(+${hidden} variables passed through from devstack's environment; --all shows them)`));
  return 0;
}
