/** `devstack dashboard [--open]`: the running stack's dashboard URL (with its token), opened in the browser with --open. */
import { spawn } from 'node:child_process';
import { DevstackError } from '../../errors.js';
import { controlError, stackHandleOf, type CommandContext } from '../context.js';

export async function dashboardCommand(context: CommandContext, options: { open: boolean }): Promise<number> {
  const stack = stackHandleOf(context);
  const status = await stack.client.status();
  if (!status.ok) throw controlError(status.error, await stack.config());
  const url = status.value.dashboardUrl;
  if (url === undefined)
    throw new DevstackError('REFUSED', 'the running stack has no dashboard (dashboard: false in the config, or up --no-dashboard)', {
      hint: 'remove "dashboard: false" or the flag, then "devstack down" and "devstack up" again',
    });
  context.terminal.out(url);
  if (options.open) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.once('error', () => context.terminal.err(`devstack: could not run ${opener}: open the URL above yourself`));
    child.unref();
  }
  return 0;
}
