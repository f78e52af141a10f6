/** `devstack down [svc…]`: stop a foreground or background stack, or what a dead supervisor left. */
import { stopStack } from '../../app/stop-stack.js';
import { checkServiceNames, loadContextConfig, type CommandContext } from '../context.js';

export async function downCommand(context: CommandContext, options: { services: readonly string[] }): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, options.services);
  const report = await stopStack({ config, services: options.services });
  const { terminal } = context;
  switch (report.type) {
    case 'nothing-running':
      terminal.out('devstack: nothing is running');
      return 0;
    case 'stopped-by-supervisor':
      terminal.out(report.services.length === 0 ? 'devstack: nothing was running' : `devstack: stopped ${report.services.join(', ')}`);
      return 0;
    case 'stopped-from-pid-files': {
      const parts = [
        ...(report.killedSupervisor ? ['killed the unresponsive supervisor'] : []),
        ...(report.services.length > 0 ? [`stopped ${report.services.join(', ')} from their PID files`] : []),
        ...(report.strays > 0 ? [`stopped ${report.strays} leftover process(es) of the run`] : []),
      ];
      terminal.out(`devstack: ${parts.join('; ')}`);
      return 0;
    }
  }
}
