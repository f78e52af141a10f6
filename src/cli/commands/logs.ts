/**
 * `devstack logs [svc…] [-f] [-n N] [--json]`: one service's log, or several merged in time order,
 * read from the log files (rotated ones included; no supervisor needed). Streams: linear in the
 * log's size, constant memory, and it waits for a slow reader instead of buffering. `-f` follows
 * until Ctrl-C, until the reader goes away, or until the stack's supervisor exits.
 */
import { readRunRecord } from '../../app/run-record.js';
import { serviceLogPath } from '../../logs/log-files.js';
import { parseLogLine, type LogLine } from '../../logs/log-line.js';
import { followLog, logPosition, readAllChunks, readLastLines, readLineBatches, type LogPosition } from '../../logs/tail.js';
import { sleep } from '../../util/sleep.js';
import { checkServiceNames, controlClientOf, loadContextConfig, stackPathsOf, type CommandContext } from '../context.js';
import { createPrefixer } from '../render/prefix.js';

export interface LogsOptions {
  readonly services: readonly string[];
  readonly follow: boolean;
  /** Lines per service; Infinity for all. */
  readonly lines: number;
  readonly json: boolean;
}

interface Entry extends LogLine {
  readonly service: string;
}

/** `<24-character ISO time> <out|err|sys> <text>`: the fixed-width prefix of every line devstack writes. */
const PREFIX_LENGTH = 29;

function parse(raw: string): LogLine {
  if (raw.length >= PREFIX_LENGTH - 1 && raw[24] === ' ' && raw[28] === ' ') {
    const source = raw.slice(25, 28);
    if (source === 'out' || source === 'err' || source === 'sys') return { time: raw.slice(0, 24), source, text: raw.slice(PREFIX_LENGTH) };
  }
  return parseLogLine(raw);
}

export async function logsCommand(context: CommandContext, options: LogsOptions): Promise<number> {
  const config = await loadContextConfig(context);
  checkServiceNames(config, options.services);
  const all = config.services.map((service) => service.name);
  const names = options.services.length > 0 ? options.services : all;
  const logsDir = readRunRecord(stackPathsOf(context, config).record)?.logsDir ?? config.logsDir;
  const { terminal } = context;
  const { colors } = terminal;
  const prefix = createPrefixer(all, colors);
  const own = prefix('devstack');
  const single = names.length === 1;
  const render = (entry: Entry): string => {
    if (options.json) return JSON.stringify({ time: entry.time, service: entry.service, stream: entry.source, text: entry.text });
    if (entry.source === 'sys') return single ? colors.dim(entry.text) : `${own} ${colors.dim(entry.text)}`;
    return single ? entry.text : `${prefix(entry.service)} ${entry.text}`;
  };
  const paths = new Map(names.map((name) => [name, serviceLogPath(logsDir, name)]));
  // Where each log ends now: the history stops there and following starts there, nothing twice.
  const positions = new Map([...paths].map(([name, path]) => [name, logPosition(path)]));

  if (Number.isFinite(options.lines)) {
    const entries: Entry[] = [];
    for (const [service, path] of paths) for (const raw of readLastLines(path, options.lines)) entries.push({ service, ...parse(raw) });
    // Stable sort: lines of one service keep their order even within the same millisecond.
    entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    if (entries.length > 0) await terminal.outAsync(entries.map(render).join('\n'));
  } else if (single && !options.json) {
    const [[, path]] = [...paths] as [[string, string]];
    await readAllChunks(
      path,
      (chunk) => (terminal.stdout.closed ? undefined : terminal.stdout.write(stripPrefixes(chunk, colors.dim('x')))),
      positions.values().next().value,
    );
  } else {
    await printMerged(paths, positions, render, context);
  }
  if (!options.follow || terminal.stdout.closed) return 0;
  return follow(context, config, paths, positions, render);
}

/** A single service's log as the text its lines carry; `sys` lines dimmed when colours are on. */
function stripPrefixes(chunk: Buffer, dimSample: string): Buffer {
  const [dimOn, dimOff] = dimSample === 'x' ? ['', ''] : dimSample.split('x');
  const parts: Buffer[] = [];
  let start = 0;
  while (start < chunk.length) {
    const newline = chunk.indexOf(10, start);
    const end = newline === -1 ? chunk.length : newline + 1;
    if (end - start >= PREFIX_LENGTH && chunk[start + 24] === 32 && chunk[start + 28] === 32) {
      const isSys = chunk[start + 25] === 0x73 && chunk[start + 26] === 0x79 && chunk[start + 27] === 0x73;
      if (isSys && dimOn !== '') parts.push(Buffer.from(`${dimOn}${chunk.toString('utf8', start + PREFIX_LENGTH, end - 1)}${dimOff}\n`));
      else parts.push(chunk.subarray(start + PREFIX_LENGTH, end));
    } else {
      parts.push(chunk.subarray(start, end));
    }
    start = end;
  }
  return Buffer.concat(parts);
}

/** Every service's whole log, merged in time order (each file read in constant-size batches). */
async function printMerged(
  paths: ReadonlyMap<string, string>,
  positions: ReadonlyMap<string, LogPosition | undefined>,
  render: (entry: Entry) => string,
  context: CommandContext,
): Promise<void> {
  const sources = [...paths].map(([service, path]) => ({
    service,
    batches: readLineBatches(path, positions.get(service))[Symbol.asyncIterator](),
    lines: [] as string[],
    index: 0,
    done: false,
  }));
  const refill = async (source: (typeof sources)[number]): Promise<void> => {
    while (!source.done && source.index >= source.lines.length) {
      const next = await source.batches.next();
      if (next.done === true) source.done = true;
      else {
        source.lines = next.value;
        source.index = 0;
      }
    }
  };
  await Promise.all(sources.map(refill));
  let out = '';
  for (;;) {
    let best: (typeof sources)[number] | undefined;
    let bestTime = '';
    for (const source of sources) {
      if (source.index >= source.lines.length) continue;
      const time = source.lines[source.index]!.slice(0, 24);
      if (best === undefined || time < bestTime) {
        best = source;
        bestTime = time;
      }
    }
    if (best === undefined) break;
    out += `${render({ service: best.service, ...parse(best.lines[best.index]!) })}\n`;
    best.index++;
    if (best.index >= best.lines.length) await refill(best);
    if (out.length > 64 * 1024) {
      if (context.terminal.stdout.closed) return;
      await context.terminal.stdout.write(out);
      out = '';
    }
  }
  if (out !== '') await context.terminal.stdout.write(out);
}

async function follow(
  context: CommandContext,
  config: Awaited<ReturnType<typeof loadContextConfig>>,
  paths: ReadonlyMap<string, string>,
  positions: ReadonlyMap<string, LogPosition | undefined>,
  render: (entry: Entry) => string,
): Promise<number> {
  const client = controlClientOf(context, config);
  if (!(await client.status(2000)).ok) return 0; // nothing will write more
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const watchSupervisor = (async () => {
    while (!stop.signal.aborted) {
      await sleep(1000, stop.signal);
      if (context.terminal.stdout.closed) stop.abort(); // `| head` has what it wanted
      if (!stop.signal.aborted && !(await client.status(2000)).ok) {
        await sleep(300); // let the last lines land
        stop.abort();
      }
    }
  })();
  await Promise.all([
    watchSupervisor,
    ...[...paths].map(([service, path]) =>
      followLog(
        path,
        positions.get(service),
        (lines) => context.terminal.outAsync(lines.map((raw) => render({ service, ...parse(raw) })).join('\n')),
        stop.signal,
      ),
    ),
  ]);
  return 0;
}
