/**
 * What the guardian runs when its supervisor died: stop the stack from the run record (no config
 * needed — it may be broken or gone by now), the way `devstack down` would, and note it in
 * devstack.log. Not a user command.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunRecord } from '../../app/run-record.js';
import { stopPlanFromRecord, stopWithoutSupervisor } from '../../app/stop-stack.js';
import { isSameProcessAlive } from '../../process/proc-table.js';
import { sleep } from '../../util/sleep.js';
import type { CommandContext } from '../context.js';

export async function reapCommand(context: CommandContext, options: { recordPath: string }): Promise<number> {
  const record = readRunRecord(options.recordPath);
  if (record === undefined) return 0; // the supervisor cleaned up after all
  // The pipe closes as the supervisor's exit begins: give the exit a moment to complete.
  for (let waited = 0; waited < 1000 && isSameProcessAlive(record.pid, record.startTime); waited += 10) await sleep(10);
  // Still alive: a new supervisor has taken the stack over meanwhile, and this record is its own.
  if (isSameProcessAlive(record.pid, record.startTime)) return 0;
  const report = await stopWithoutSupervisor(stopPlanFromRecord(record, options.recordPath), [], context.env['PATH'], {
    killSupervisor: false,
  });
  const note = {
    seq: 0,
    time: Date.now(),
    type: 'warning',
    service: undefined,
    message: `the supervisor (pid ${record.pid}) died without stopping its stack: its guardian stopped ${report.type === 'nothing-running' ? 'nothing (nothing was left)' : report.services.join(', ') || 'its leftovers'}`,
  };
  try {
    appendFileSync(join(record.logsDir, 'devstack.log'), `${JSON.stringify(note)}\n`);
  } catch {
    // the logs folder is gone: the stack is stopped all the same
  }
  return 0;
}
