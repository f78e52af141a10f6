/** `devstack start <svc>` and `devstack stop <svc…>`: one service of a running stack, which keeps running. */
import { DevstackError } from '../../errors.js';
import { unreachable } from '../../util/unreachable.js';
import { checkServiceNames, controlClientOf, controlError, loadContextConfig, type CommandContext } from '../context.js';
import { startupFailureError } from '../render/error.js';

export async function startCommand(context: CommandContext, options: { service: string }): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, [options.service]);
  const reply = await controlClientOf(context, config).start(options.service);
  if (!reply.ok) throw controlError(reply.error, config);
  const outcome = reply.value;
  switch (outcome.type) {
    case 'ready':
      context.terminal.out(
        `devstack: ${outcome.services.length === 0 ? `${options.service} was already running` : `started ${outcome.services.join(', ')}`}`,
      );
      return 0;
    case 'failed':
      throw startupFailureError(outcome.failure);
    case 'aborted':
      throw new DevstackError('REFUSED', `could not start "${options.service}": ${outcome.reason}`, { hint: 'see "devstack ps"' });
    default:
      return unreachable(outcome);
  }
}

export async function stopCommand(context: CommandContext, options: { services: readonly string[] }): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, options.services);
  const reply = await controlClientOf(context, config).stop(options.services);
  if (!reply.ok) throw controlError(reply.error, config);
  const { stopped } = reply.value;
  context.terminal.out(
    stopped.length === 0
      ? 'devstack: none of them was part of this run'
      : `devstack: stopped ${stopped.join(', ')} (start again: devstack start <service>)`,
  );
  return 0;
}
