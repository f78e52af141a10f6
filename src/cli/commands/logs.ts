/**
 * `devstack logs [svc…] [-f] [-n N] [--json]`: one service's log, or several merged in time order,
 * read from the log files (rotated ones included; no supervisor needed). Streams: linear in the
 * log's size, constant memory, and it waits for a slow reader instead of buffering. `-f` follows
 * until Ctrl-C, until the reader goes away, or until the stack's supervisor exits.
 */
import { readRunRecord } from '../../app/run-record.js';
import { logEntries, type LogEntry } from '../../logs/log-entries.js';
import { PROXY_LOG, serviceLogPath } from '../../logs/log-files.js';
import { logPosition, readAllChunks, type LogPosition } from '../../logs/tail.js';
import { sleep } from '../../util/sleep.js';
import { cleanLine } from '../../util/terminal-text.js';
import { checkServiceNames, controlClientOf, loadContextConfig, stackPathsOf, type CommandContext } from '../context.js';
import { createPrefixer } from '../render/prefix.js';

export interface LogsOptions {
  readonly services: readonly string[];
  readonly follow: boolean;
  /** Lines per service; Infinity for all. */
  readonly lines: number;
  readonly json: boolean;
}

/** `<24-character ISO time> <out|err|sys> <text>`: the fixed-width prefix of every line devstack writes. */
const PREFIX_LENGTH = 29;

export async function logsCommand(context: CommandContext, options: LogsOptions): Promise<number> {
  const config = await loadContextConfig(context);
  // With a proxy, its access log reads like a service's: `devstack logs proxy`.
  checkServiceNames(config, config.proxy === undefined ? options.services : options.services.filter((name) => name !== PROXY_LOG));
  const all = config.services.map((service) => service.name);
  if (config.proxy !== undefined && options.services.includes(PROXY_LOG)) all.push(PROXY_LOG);
  const names = options.services.length > 0 ? options.services : all;
  const logsDir = readRunRecord(stackPathsOf(context, config).record)?.logsDir ?? config.logsDir;
  const { terminal } = context;
  const { colors } = terminal;
  const prefix = createPrefixer(all, colors);
  const own = prefix('devstack');
  const single = names.length === 1;
  // The files keep the services' colours: shown on a terminal, stripped everywhere else (pipes, --json, NO_COLOR).
  const withColors = colors.level > 0 && !options.json;
  const render = (entry: LogEntry): string => {
    const text = withColors ? entry.text : cleanLine(entry.text, false);
    if (options.json) return JSON.stringify({ ...entry, text });
    if (entry.stream === 'sys') return single ? colors.dim(text) : `${own} ${colors.dim(text)}`;
    return single ? text : `${prefix(entry.service)} ${text}`;
  };
  let endsAt: Map<string, LogPosition | undefined> | undefined;
  let lines = options.lines;
  if (single && !options.json && !Number.isFinite(options.lines)) {
    // One service's whole log as its text: bytes in, bytes out, no line objects (a small factor of `cat`).
    const path = serviceLogPath(logsDir, names[0]!);
    const write = (chunk: Buffer): Promise<void> | undefined =>
      terminal.stdout.closed ? undefined : terminal.stdout.write(stripPrefixes(chunk, colors.dim('x'), withColors));
    // Following goes on exactly where the history stopped.
    endsAt = new Map([[names[0]!, await readAllChunks(path, write, logPosition(path))]]);
    if (!options.follow || terminal.stdout.closed) return 0;
    lines = 0; // printed already; follow from where it ended
  }
  const following = options.follow ? await watchSupervisor(context, config) : undefined;
  for await (const batch of logEntries({ logsDir, services: names, lines, follow: options.follow, signal: following?.signal, endsAt })) {
    if (terminal.stdout.closed) break;
    if (batch.length > 0) await terminal.outAsync(batch.map(render).join('\n'));
  }
  following?.abort();
  return 0;
}

/**
 * A single service's log as the text its lines carry; `sys` lines dimmed when colours are on.
 * Copied into one array with TypedArray#set, no object kept per line: for a 100 MB log this is 6×
 * faster than collecting slices for Buffer.concat, and 1.6× faster than Buffer#copy (whose small
 * copies run through JavaScript in Node 20).
 */
function stripPrefixes(chunk: Buffer, dimSample: string, keepColors: boolean): Buffer {
  // Colours to strip: the rare chunk that has any takes the line-by-line way (ESC is byte 27).
  if (!keepColors && chunk.includes(27)) {
    chunk = Buffer.from(
      chunk
        .toString('utf8')
        .split('\n')
        .map((line) => cleanLine(line, false))
        .join('\n'),
    );
  }
  const [dimOn, dimOff] = dimSample === 'x' ? ['', ''] : dimSample.split('x');
  const dimExtra = Buffer.byteLength(`${dimOn}${dimOff}`);
  let out = new Uint8Array(chunk.length);
  let length = 0;
  let start = 0;
  while (start < chunk.length) {
    const newline = chunk.indexOf(10, start);
    const end = newline === -1 ? chunk.length : newline + 1;
    const prefixed = end - start >= PREFIX_LENGTH && chunk[start + 24] === 32 && chunk[start + 28] === 32;
    const isSys = prefixed && chunk[start + 25] === 0x73 && chunk[start + 26] === 0x79 && chunk[start + 27] === 0x73;
    if (isSys && dimOn !== '') {
      const line = Buffer.from(`${dimOn}${chunk.toString('utf8', start + PREFIX_LENGTH, end - 1)}${dimOff}\n`);
      // The colour codes make this line longer than its source: grow when needed.
      if (length + line.length > out.length) {
        const grown = new Uint8Array(out.length + chunk.length + dimExtra);
        grown.set(out.subarray(0, length));
        out = grown;
      }
      out.set(line, length);
      length += line.length;
    } else {
      const from = prefixed ? start + PREFIX_LENGTH : start;
      out.set(chunk.subarray(from, end), length);
      length += end - from;
    }
    start = end;
  }
  return Buffer.from(out.buffer, out.byteOffset, length);
}

/** Aborts when the reader goes away, on Ctrl-C, or when the stack's supervisor exits (nothing will write more). */
async function watchSupervisor(context: CommandContext, config: Awaited<ReturnType<typeof loadContextConfig>>): Promise<AbortController> {
  const stop = new AbortController();
  const client = controlClientOf(context, config);
  if (!(await client.status(2000)).ok) {
    stop.abort();
    return stop;
  }
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  void (async () => {
    while (!stop.signal.aborted) {
      await sleep(1000, stop.signal);
      if (context.terminal.stdout.closed) stop.abort(); // `| head` has what it wanted
      if (!stop.signal.aborted && !(await client.status(2000)).ok) {
        await sleep(300); // let the last lines land
        stop.abort();
      }
    }
  })();
  return stop;
}
