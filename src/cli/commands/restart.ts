/** `devstack restart <svc>`: graceful stop, start, wait for ready, through the running supervisor. */
import { DevstackError } from '../../errors.js';
import { formatMs } from '../../util/duration.js';
import { unreachable } from '../../util/unreachable.js';
import { checkRunningNames, checkServiceNames, controlError, stackHandleOf, type CommandContext } from '../context.js';
import { startupFailureError } from '../render/error.js';

export async function restartCommand(context: CommandContext, options: { service: string }): Promise<number> {
  const stack = stackHandleOf(context);
  const status = await stack.client.status();
  if (!status.ok) {
    const config = await stack.config();
    checkServiceNames(config, [options.service]);
    throw controlError(status.error, config);
  }
  await checkRunningNames(
    stack,
    status.value.services.map((service) => service.name),
    [options.service],
  );
  const reply = await stack.client.restart(options.service);
  if (!reply.ok) throw controlError(reply.error, await stack.config());
  const outcome = reply.value;
  switch (outcome.type) {
    case 'ready':
      context.terminal.out(`${options.service} restarted — ready in ${formatMs(outcome.readyInMs)}`);
      return 0;
    case 'failed':
      throw startupFailureError(outcome.failure);
    case 'refused':
      throw new DevstackError('REFUSED', outcome.reason, outcome.hint === undefined ? {} : { hint: outcome.hint });
    case 'aborted':
      throw new DevstackError('REFUSED', `the restart of "${options.service}" was interrupted: ${outcome.reason}`, {
        hint: 'see "devstack ps"',
      });
    default:
      return unreachable(outcome);
  }
}
