/** `devstack down [svc…]`: stop a foreground or background stack, or what a dead supervisor left. */
import { readRunRecord } from '../../app/run-record.js';
import { stopPlanFor, stopStack, type StopReport } from '../../app/stop-stack.js';
import { stackId } from '../../control/runtime-dir.js';
import { databaseNames, wipeDatabaseData } from '../../databases/cleanup.js';
import { DevstackError } from '../../errors.js';
import { confirm } from '../confirm.js';
import { checkRunningNames, checkServiceNames, stackHandleOf, type CommandContext } from '../context.js';
import { unreachable } from '../../util/unreachable.js';
import { trace } from '../../util/trace.js';

export interface DownOptions {
  readonly services: readonly string[];
  /** Also delete the databases' data (data folders and container volumes). */
  readonly volumes: boolean;
  /** Do not ask before deleting data. */
  readonly yes: boolean;
}

export async function downCommand(context: CommandContext, options: DownOptions): Promise<number> {
  const stack = stackHandleOf(context);
  // A running stack stops without its config being loaded: only --volumes needs it (which data).
  const status = options.volumes ? undefined : await stack.client.status();
  if (status?.ok === true) {
    await checkRunningNames(
      stack,
      status.value.services.map((service) => service.name),
      options.services,
    );
  } else {
    checkServiceNames(await stack.config(), options.services);
  }
  const config = options.volumes ? await stack.config() : undefined;
  const toWipe =
    config === undefined ? [] : databaseNames(config).filter((name) => options.services.length === 0 || options.services.includes(name));
  if (toWipe.length > 0 && !options.yes) {
    // Asked before stopping anything: a "no" leaves the stack as it was.
    const answer = await confirm(`Delete all data of ${toWipe.join(', ')}? This cannot be undone.`);
    if (answer === undefined) {
      throw new DevstackError('USAGE', `down --volumes deletes the data of ${toWipe.join(', ')}, and there is no terminal to confirm it`, {
        hint: 'add --yes to confirm',
      });
    }
    if (!answer) {
      context.terminal.out('devstack: nothing was stopped or deleted');
      return 1;
    }
  }
  const report = await stopStack({
    client: stack.client,
    plan: async () => stopPlanFor(await stack.config(), stackId(stack.file), stack.paths.record, readRunRecord(stack.paths.record)),
    services: options.services,
    pathVariable: context.env['PATH'],
    status,
  });
  trace('stopped');
  context.terminal.out(describeReport(report));
  if (toWipe.length > 0) {
    const wiped = await wipeDatabaseData(config!, toWipe, context.env['PATH']);
    context.terminal.out(`devstack: deleted the data of ${wiped.join(', ')}`);
  }
  return 0;
}

function describeReport(report: StopReport): string {
  switch (report.type) {
    case 'nothing-running':
      return 'devstack: nothing is running';
    case 'stopped-by-supervisor':
      return report.services.length === 0 ? 'devstack: nothing was running' : `devstack: stopped ${report.services.join(', ')}`;
    case 'stopped-without-supervisor': {
      const parts = [
        ...(report.killedSupervisor ? ['killed the unresponsive supervisor'] : []),
        ...(report.services.length > 0 ? [`stopped ${report.services.join(', ')} (no supervisor was running)`] : []),
        ...(report.strays > 0 ? [`stopped ${report.strays} leftover process(es) or container(s) of the run`] : []),
      ];
      return `devstack: ${parts.join('; ')}`;
    }
    default:
      return unreachable(report);
  }
}
