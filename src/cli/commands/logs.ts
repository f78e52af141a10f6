/**
 * `devstack logs [svc…] [-f] [-n N]`: one service's log, or several merged in time order, from the
 * log files (no supervisor needed). `-f` follows until Ctrl-C, or until the stack's supervisor exits.
 */
import { join } from 'node:path';
import { callControl } from '../../control/client.js';
import { controlSocketAddress } from '../../control/socket-address.js';
import { parseLogLine, type LogLine } from '../../logs/log-line.js';
import { fileSize, followFile, readLastLines } from '../../logs/tail.js';
import { sleep } from '../../util/sleep.js';
import { checkServiceNames, loadContextConfig, type CommandContext } from '../context.js';
import { createPrefixer } from '../render/prefix.js';

export interface LogsOptions {
  readonly services: readonly string[];
  readonly follow: boolean;
  /** Lines per service; Infinity for all. */
  readonly lines: number;
}

interface Entry extends LogLine {
  readonly service: string;
}

export async function logsCommand(context: CommandContext, options: LogsOptions): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, options.services);
  const all = config.services.map((service) => service.name);
  const names = options.services.length > 0 ? options.services : all;
  const { terminal } = context;
  const prefix = createPrefixer(all, terminal.colors);
  const single = names.length === 1;
  const render = (entry: Entry): string => {
    const text = entry.source === 'sys' ? terminal.colors.dim(entry.text) : entry.source === 'err' ? entry.text : entry.text;
    return single ? text : `${prefix(entry.service)} ${text}`;
  };

  const paths = new Map(names.map((name) => [name, join(config.logsDir, `${name}.log`)]));
  const offsets = new Map([...paths].map(([name, path]) => [name, fileSize(path)]));
  const entries: Entry[] = [];
  for (const [service, path] of paths) {
    for (const raw of readLastLines(path, options.lines)) entries.push({ service, ...parseLogLine(raw) });
  }
  // Stable sort: lines of one service keep their order even within the same millisecond.
  entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  if (entries.length > 0) terminal.out(entries.map(render).join('\n'));
  if (!options.follow) return 0;

  const address = controlSocketAddress(config.logsDir);
  if (!(await callControl(address, 'GET', '/status', undefined, 2000)).ok) return 0; // nothing will write more
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const watchSupervisor = (async () => {
    while (!stop.signal.aborted) {
      await sleep(1000, stop.signal);
      if (!stop.signal.aborted && !(await callControl(address, 'GET', '/status', undefined, 2000)).ok) {
        await sleep(300); // let the last lines land
        stop.abort();
      }
    }
  })();
  await Promise.all([
    watchSupervisor,
    ...[...paths].map(([service, path]) =>
      followFile(
        path,
        offsets.get(service) ?? 0,
        (lines) => terminal.out(lines.map((raw) => render({ service, ...parseLogLine(raw) })).join('\n')),
        stop.signal,
      ),
    ),
  ]);
  return 0;
}
