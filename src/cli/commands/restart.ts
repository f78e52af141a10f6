/** `devstack restart <svc>`: graceful stop, start, wait for ready, through the running supervisor. */
import { callControl } from '../../control/client.js';
import type { RestartResponse } from '../../control/protocol.js';
import { controlSocketAddress } from '../../control/socket-address.js';
import { DevstackError } from '../../errors.js';
import { formatMs } from '../../util/duration.js';
import { checkServiceNames, loadContextConfig, type CommandContext } from '../context.js';
import { startupFailureError } from '../render/error.js';

export async function restartCommand(context: CommandContext, options: { service: string }): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, [options.service]);
  const reply = await callControl<RestartResponse | { error: string }>(
    controlSocketAddress(config.logsDir),
    'POST',
    '/restart',
    { service: options.service },
    15 * 60_000,
  );
  if (!reply.ok) {
    throw new DevstackError('NOT_RUNNING', `no devstack supervisor is running for ${config.displayFile}`, {
      hint: 'start the stack with "devstack up"',
    });
  }
  const body = reply.body;
  if ('error' in body)
    throw new DevstackError('UNKNOWN_SERVICE', body.error, { hint: 'start it with "devstack up <service>" after "devstack down"' });
  if (body.type === 'failed') {
    throw startupFailureError(body.failure);
  }
  context.terminal.out(`${options.service} restarted — ready in ${formatMs(body.readyInMs)}`);
  return 0;
}
