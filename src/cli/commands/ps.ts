/** `devstack ps [--json]`: the state of each service, from the supervisor or, without one, the PID files. */
import { callControl } from '../../control/client.js';
import type { StatusResponse } from '../../control/protocol.js';
import { controlSocketAddress } from '../../control/socket-address.js';
import { readServicePidFiles } from '../../process/pid-file.js';
import { isSameProcessAlive } from '../../process/proc-table.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { formatPsTable, toPsRow, type PsRow } from '../render/ps-table.js';

export async function psCommand(context: CommandContext, options: { json: boolean }): Promise<number> {
  const config = await loadContextConfig(context);
  const now = Date.now();
  const status = await callControl<StatusResponse>(controlSocketAddress(config.logsDir), 'GET', '/status', undefined, 3000);
  let rows: PsRow[];
  let note: string;
  if (status.ok) {
    rows = status.body.services.map((service) => toPsRow(service, now));
    note = `supervisor pid ${status.body.pid}, up since ${status.body.startedAt}`;
  } else {
    // No supervisor: anything alive from the PID files is an orphan of a run that died.
    rows = readServicePidFiles(config.logsDir)
      .filter((record) => isSameProcessAlive(record.pid, record.startTime))
      .map((record) => ({
        name: record.service,
        state: 'orphaned',
        pid: record.pid,
        port: record.port,
        uptimeMs: now - Date.parse(record.startedAt),
        restarts: 0,
        message: 'its supervisor is gone: "devstack down" stops it',
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
    context.terminal.out(context.terminal.colors.dim(`devstack: ${note}`));
  }
  return 0;
}
