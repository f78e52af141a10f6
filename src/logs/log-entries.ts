/**
 * The services' logs as entries (`{ time, service, stream, text }`), merged in time order across
 * services and rotated files: the last N lines of each or everything, then (when following) every
 * new line as it is written. What the control API's logs route, the dashboard and the MCP server
 * read; `devstack logs` reads the same files, with a faster path for one service's raw text.
 */
import { serviceLogPath } from './log-files.js';
import { parseLogLine } from './log-line.js';
import { followLog, logPosition, readLastLines, readLineBatches, type LogPosition } from './tail.js';

export interface LogEntry {
  /** ISO time the line was written. */
  readonly time: string;
  readonly service: string;
  /** `sys`: devstack's own line about the service. */
  readonly stream: 'out' | 'err' | 'sys';
  readonly text: string;
}

export interface LogQuery {
  readonly logsDir: string;
  readonly services: readonly string[];
  /** The last N lines of each service; Infinity for all. */
  readonly lines: number;
  /** Only lines written at or after this ISO time. */
  readonly since?: string | undefined;
  readonly follow: boolean;
  readonly signal?: AbortSignal | undefined;
  /** Where each log's history ends (and following begins), when the caller read the history itself. */
  readonly endsAt?: ReadonlyMap<string, LogPosition | undefined> | undefined;
}

const PREFIX_LENGTH = 29;

export function toEntry(service: string, raw: string): LogEntry {
  if (raw.length >= PREFIX_LENGTH - 1 && raw[24] === ' ' && raw[28] === ' ') {
    const stream = raw.slice(25, 28);
    if (stream === 'out' || stream === 'err' || stream === 'sys')
      return { time: raw.slice(0, 24), service, stream, text: raw.slice(PREFIX_LENGTH) };
  }
  const parsed = parseLogLine(raw);
  return { time: parsed.time, service, stream: parsed.source, text: parsed.text };
}

/** Batches of entries: the history first (merged in time order), then new lines while following. */
export async function* logEntries(query: LogQuery): AsyncIterable<LogEntry[]> {
  const paths = new Map(query.services.map((service) => [service, serviceLogPath(query.logsDir, service)]));
  // Where each log ends now: the history stops there and following starts there, nothing twice.
  const positions = new Map(query.endsAt ?? [...paths].map(([service, path]) => [service, logPosition(path)]));
  const keep = (entry: LogEntry): boolean => query.since === undefined || entry.time >= query.since;
  if (Number.isFinite(query.lines)) {
    const entries: LogEntry[] = [];
    for (const [service, path] of paths) for (const raw of readLastLines(path, query.lines)) entries.push(toEntry(service, raw));
    entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    yield entries.filter(keep);
  } else {
    yield* mergedHistory(paths, positions, keep);
  }
  if (!query.follow || query.signal?.aborted) return;
  yield* follow(paths, positions, keep, query.signal ?? new AbortController().signal);
}

/** Updates `positions` to where each log's history really ended, for the follower. */
async function* mergedHistory(
  paths: ReadonlyMap<string, string>,
  positions: Map<string, LogPosition | undefined>,
  keep: (entry: LogEntry) => boolean,
): AsyncIterable<LogEntry[]> {
  const sources = [...paths].map(([service, path]) => ({
    service,
    batches: readLineBatches(path, positions.get(service), (end) => positions.set(service, end))[Symbol.asyncIterator](),
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
  let batch: LogEntry[] = [];
  for (;;) {
    let best: (typeof sources)[number] | undefined;
    for (const source of sources) {
      if (source.index >= source.lines.length) continue;
      if (best === undefined || source.lines[source.index]!.slice(0, 24) < best.lines[best.index]!.slice(0, 24)) best = source;
    }
    if (best === undefined) break;
    const entry = toEntry(best.service, best.lines[best.index]!);
    if (keep(entry)) batch.push(entry);
    best.index++;
    if (best.index >= best.lines.length) await refill(best);
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function* follow(
  paths: ReadonlyMap<string, string>,
  positions: ReadonlyMap<string, LogPosition | undefined>,
  keep: (entry: LogEntry) => boolean,
  signal: AbortSignal,
): AsyncIterable<LogEntry[]> {
  let queued: LogEntry[] = [];
  let wake: (() => void) | undefined;
  const followers = Promise.all(
    [...paths].map(([service, path]) =>
      followLog(
        path,
        positions.get(service),
        (lines) => {
          queued.push(...lines.map((raw) => toEntry(service, raw)).filter(keep));
          wake?.();
        },
        signal,
      ),
    ),
  ).finally(() => wake?.());
  let ended = false;
  void followers.then(() => (ended = true));
  while (!signal.aborted && !ended) {
    if (queued.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      wake = undefined;
    }
    if (queued.length > 0) {
      const batch = queued;
      queued = [];
      yield batch;
    }
  }
  await followers;
}
