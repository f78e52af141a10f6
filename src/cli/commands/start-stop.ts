/** `devstack start <svc>` and `devstack stop <svc…>`: one service of a running stack, which keeps running. */
import { DevstackError } from '../../errors.js';
import { unreachable } from '../../util/unreachable.js';
import { checkRunningNames, checkServiceNames, controlError, stackHandleOf, type CommandContext, type StackHandle } from '../context.js';
import { startupFailureError } from '../render/error.js';

/** The running stack and its services' names; the config only when it is not running (for the error). */
async function runningStack(context: CommandContext, names: readonly string[]): Promise<StackHandle> {
  const stack = stackHandleOf(context);
  const status = await stack.client.status();
  if (!status.ok) {
    const config = await stack.config();
    checkServiceNames(config, names);
    throw controlError(status.error, config);
  }
  await checkRunningNames(
    stack,
    status.value.services.map((service) => service.name),
    names,
  );
  return stack;
}

export async function startCommand(context: CommandContext, options: { service: string }): Promise<number> {
  const stack = await runningStack(context, [options.service]);
  const reply = await stack.client.start(options.service);
  if (!reply.ok) throw controlError(reply.error, await stack.config());
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
  const stack = await runningStack(context, options.services);
  const reply = await stack.client.stop(options.services);
  if (!reply.ok) throw controlError(reply.error, await stack.config());
  const { stopped } = reply.value;
  context.terminal.out(
    stopped.length === 0
      ? 'devstack: none of them was part of this run'
      : `devstack: stopped ${stopped.join(', ')} (start again: devstack start <service>)`,
  );
  return 0;
}
