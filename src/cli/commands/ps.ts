/**
 * `devstack ps [--json]`: the state of each service, from the supervisor or, without one, from
 * the processes that carry the stack's marker (a service is alive while any of its processes is,
 * leader or not; the PID files only add which one led).
 */
import { findLeftovers } from '../../app/leftovers.js';
import { readRunRecord } from '../../app/run-record.js';
import { stackId } from '../../control/runtime-dir.js';
import { controlError, stackHandleOf, type CommandContext } from '../context.js';
import { formatPsTable, formatWatching, toPsRow, type PsRow } from '../render/ps-table.js';

export async function psCommand(context: CommandContext, options: { json: boolean }): Promise<number> {
  const stack = stackHandleOf(context);
  const now = Date.now();
  const status = await stack.client.status();
  let rows: PsRow[];
  let note: string;
  if (status.ok) {
    rows = status.value.services.map((service) => toPsRow(service, now));
    const { proxy } = status.value;
    // On nginx, the row has nginx's pid; inside the supervisor, the supervisor's. Its uptime is the run's.
    if (proxy !== undefined)
      rows.push({
        name: 'proxy',
        state: 'ready',
        pid: proxy.pid ?? status.value.pid,
        port: proxy.port,
        uptimeMs: now - Date.parse(status.value.startedAt),
        restarts: 0,
      });
    const { proxyUrl, dashboardUrl } = status.value;
    note = `supervisor pid ${status.value.pid}, up since ${status.value.startedAt}${proxyUrl === undefined ? '' : `; proxy ${proxyUrl} (${status.value.proxy?.engine === 'nginx' ? 'nginx' : 'built in'}; devstack logs proxy)`}${dashboardUrl === undefined ? '' : `; dashboard ${dashboardUrl}`}`;
  } else if (status.error.type === 'version-mismatch') {
    throw controlError(status.error, await stack.config());
  } else {
    // No supervisor: whatever still runs is an orphan of a run that died.
    const config = await stack.config();
    const record = readRunRecord(stack.paths.record);
    const leftovers = findLeftovers(
      record?.logsDir ?? config.logsDir,
      stackId(config.file),
      config.services.map((service) => service.name),
    );
    rows = leftovers.services.map((service) => ({
      name: service.service,
      state: 'orphaned',
      pid: service.pid,
      port: service.record?.port,
      uptimeMs: service.record === undefined ? undefined : now - Date.parse(service.record.startedAt),
      restarts: 0,
      message: `its supervisor is gone (${service.processes} process${service.processes === 1 ? '' : 'es'} left): "devstack down" stops it`,
    }));
    note = rows.length === 0 ? 'nothing is running' : 'no supervisor is running';
  }
  if (options.json) {
    context.terminal.out(
      JSON.stringify(
        rows.map(({ message, ...row }) => ({ ...row, ...(message === undefined ? {} : { message }) })),
        null,
        2,
      ),
    );
  } else {
    if (rows.length > 0) context.terminal.out(formatPsTable(rows));
    const watching = formatWatching(rows);
    if (watching !== undefined) context.terminal.out(context.terminal.colors.dim(watching));
    context.terminal.out(context.terminal.colors.dim(`devstack: ${note}`));
  }
  return 0;
}
