/**
 * What the MCP server's read-only tools return, as data: the stack's status (running or not), its
 * logs searched and bounded, its startup timeline, and a service's environment. Each answer is a
 * JSON object (the tool's structured result) plus a few lines of text for the agent to read.
 */
import { runEvents } from '../app/run-events.js';
import { serviceEnvironment, type EnvVariable } from '../app/service-environment.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { checkServiceNames } from '../config/service-names.js';
import { controlErrorOf } from '../control/client.js';
import { DevstackError } from '../errors.js';
import { logEntries, type LogEntry } from '../logs/log-entries.js';
import type { ServiceSnapshot } from '../supervisor/events.js';
import { startupTimeline, type StartupTimeline } from '../supervisor/timeline.js';
import { formatMs, parseDurationMs } from '../util/duration.js';
import { cleanLine } from '../util/terminal-text.js';
import type { StackAccess } from './stack-access.js';

export interface View<T> {
  readonly data: T;
  readonly text: string;
}

export type ServiceStatus = ServiceSnapshot & {
  /** How long its current process has run. */
  readonly uptimeMs: number | undefined;
};

export interface StackStatus {
  readonly running: boolean;
  readonly configFile: string;
  /** Whether startup has finished (every requested service ready, or one failed). */
  readonly startupDone: boolean | undefined;
  readonly services: readonly ServiceStatus[] | readonly { readonly name: string; readonly kind: string; readonly state: 'not running' }[];
  readonly dashboardUrl?: string | undefined;
  readonly proxyUrl?: string | undefined;
}

/** The running stack's status; undefined when none runs. Throws a DevstackError when it cannot be asked. */
export async function runningStatus(access: StackAccess): Promise<
  | {
      readonly startupDone: boolean;
      readonly services: readonly ServiceSnapshot[];
      readonly dashboardUrl?: string | undefined;
      readonly proxyUrl?: string | undefined;
    }
  | undefined
> {
  const status = await access.client.status(3000);
  if (status.ok) return status.value;
  if (status.error.type === 'not-running') return undefined;
  throw controlErrorOf(status.error, access.configFile);
}

export async function statusView(access: StackAccess): Promise<View<StackStatus>> {
  const running = await runningStatus(access);
  if (running === undefined) {
    const config = await access.config();
    const services = config.services.map((service) => ({
      name: service.name,
      kind: service.database !== undefined ? 'database' : service.type,
      state: 'not running' as const,
    }));
    return {
      data: { running: false, configFile: access.configFile, startupDone: undefined, services },
      text: `The stack of ${access.configFile} is not running (services: ${services.map((s) => s.name).join(', ')}). The up tool starts it.`,
    };
  }
  const now = Date.now();
  const services = running.services.map((service) => ({
    ...service,
    uptimeMs: service.startedAt === undefined ? undefined : now - service.startedAt,
  }));
  const lines = services.map((service) => describeService(service));
  if (running.dashboardUrl !== undefined) lines.push(`dashboard: ${running.dashboardUrl}`);
  if (running.proxyUrl !== undefined) lines.push(`proxy: ${running.proxyUrl}`);
  return {
    data: {
      running: true,
      configFile: access.configFile,
      startupDone: running.startupDone,
      services,
      dashboardUrl: running.dashboardUrl,
      proxyUrl: running.proxyUrl,
    },
    text: [`The stack of ${access.configFile} is running${running.startupDone ? '' : ' (still starting)'}:`, ...lines].join('\n'),
  };
}

function describeService(service: ServiceStatus): string {
  const parts = [`${service.name}: ${service.state}`];
  if (service.pid !== undefined) parts.push(`pid ${service.pid}`);
  if (service.url !== undefined) parts.push(service.url);
  if (service.uptimeMs !== undefined && (service.state === 'ready' || service.state === 'starting'))
    parts.push(`up ${formatMs(service.uptimeMs)}`);
  if (service.restarts > 0) parts.push(`${service.restarts} restarts`);
  if (service.mode !== undefined) parts.push(service.mode);
  if (service.waitingOn.length > 0) parts.push(`waiting on ${service.waitingOn.join(', ')}`);
  if (service.message !== undefined) parts.push(`— ${service.message}`);
  return `- ${parts.join(', ')}`;
}

export interface LogsQuery {
  readonly services?: readonly string[] | undefined;
  /** The newest N matching lines (1–2000). */
  readonly lines: number;
  /** An ISO time, or a duration back from now (`90s`, `10m`, `2h`). */
  readonly since?: string | undefined;
  readonly search?: string | undefined;
  readonly regex?: boolean | undefined;
  readonly ignoreCase?: boolean | undefined;
  readonly stream?: 'out' | 'err' | 'sys' | undefined;
}

export interface LogsResult {
  readonly entries: readonly LogEntry[];
  /** How many lines matched in all; more than `entries.length` when the oldest were left out. */
  readonly matched: number;
  readonly truncated: boolean;
}

/** Longer lines are cut here (a minified bundle printed in one line should not flood the agent). */
const MAX_LINE = 2000;
export const MAX_LOG_LINES = 2000;

function sinceTime(since: string | undefined, now: number): string | undefined {
  if (since === undefined) return undefined;
  const back = parseDurationMs(since);
  if (back !== undefined) return new Date(now - back).toISOString();
  const time = Date.parse(since);
  if (Number.isNaN(time))
    throw new DevstackError('USAGE', `since: "${since}" is neither an ISO time nor a duration`, {
      hint: 'use e.g. "10m", "90s" or "2026-12-01T10:00:00Z"',
    });
  return new Date(time).toISOString();
}

function matcherOf(query: LogsQuery): (text: string) => boolean {
  const { search } = query;
  if (search === undefined || search === '') return () => true;
  const flags = query.ignoreCase === false ? '' : 'i';
  if (query.regex === true) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(search, flags);
    } catch (error) {
      throw new DevstackError('USAGE', `search: not a valid regular expression (${(error as Error).message})`, {
        hint: 'pass regex: false to search for the text as it is',
      });
    }
    return (text) => pattern.test(text);
  }
  if (flags === '') return (text) => text.includes(search);
  const lower = search.toLowerCase();
  return (text) => text.toLowerCase().includes(lower);
}

export async function logsView(access: StackAccess, query: LogsQuery): Promise<View<LogsResult>> {
  const config = await access.config();
  const known = config.services.map((service) => service.name);
  const names = query.services !== undefined && query.services.length > 0 ? query.services : known;
  checkServiceNames(config, names);
  const limit = Math.max(1, Math.min(MAX_LOG_LINES, Math.floor(query.lines)));
  const matches = matcherOf(query);
  const filtered = (query.search !== undefined && query.search !== '') || query.stream !== undefined;
  const kept: LogEntry[] = [];
  let matched = 0;
  // Unfiltered: the last lines of each log suffice. Filtered: every line is looked at (streamed in
  // chunks, constant memory), only the newest `limit` matches kept.
  const entries = logEntries({
    logsDir: access.logsDir(config),
    services: names,
    lines: filtered ? Infinity : limit,
    since: sinceTime(query.since, Date.now()),
    follow: false,
  });
  for await (const batch of entries) {
    for (const entry of batch) {
      if (query.stream !== undefined && entry.stream !== query.stream) continue;
      const text = cleanLine(entry.text, false);
      if (!matches(text)) continue;
      matched++;
      kept.push({ ...entry, text: text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}… (line cut at ${MAX_LINE} characters)` : text });
      if (kept.length > 2 * limit) kept.splice(0, kept.length - limit);
    }
  }
  const shown = kept.slice(-limit);
  const truncated = matched > shown.length;
  const header =
    matched === 0
      ? `No ${filtered ? 'matching ' : ''}lines in the logs of ${names.join(', ')}.`
      : truncated
        ? `The newest ${shown.length} of ${matched} ${filtered ? 'matching ' : ''}lines (truncated: older ones left out; narrow with since or search).`
        : `${matched} ${filtered ? 'matching ' : ''}lines.`;
  return {
    data: { entries: shown, matched, truncated },
    text: [header, ...shown.map((entry) => `${entry.time} ${entry.service} ${entry.stream} ${entry.text}`)].join('\n'),
  };
}

export async function timelineView(
  access: StackAccess,
): Promise<View<(StartupTimeline & { readonly running: boolean }) | { readonly running: false }>> {
  const read = await runEvents(access.client, async () => access.logsDir(await access.config()));
  if (!read.ok) throw controlErrorOf(read.error, access.configFile);
  const { running, events } = read.value;
  const timeline = startupTimeline(events);
  if (timeline === undefined)
    return {
      data: { running: false },
      text: running
        ? 'The running stack has no startup events left to show.'
        : 'The stack is not running and has no recorded run: there is no timeline. The up tool starts it.',
    };
  const lines = timeline.services.map((entry) => {
    const span =
      entry.startMs === undefined
        ? 'never started'
        : `${formatMs(entry.startMs)} → ${entry.endMs === undefined ? '…' : formatMs(entry.endMs)}`;
    const waited = entry.waitedOn.length > 0 ? ` (after ${entry.waitedOn.join(', ')})` : '';
    return `- ${entry.service}: ${entry.outcome}, ${span}${waited}${entry.message === undefined ? '' : ` — ${entry.message}`}`;
  });
  const total = timeline.totalMs === undefined ? 'startup has not finished' : `startup took ${formatMs(timeline.totalMs)}`;
  const when = running ? 'The running stack started' : 'The last run (not running now) started';
  return {
    data: { ...timeline, running },
    text: [`${when} at ${new Date(timeline.startedAt).toISOString()}; ${total}:`, ...lines].join('\n'),
  };
}

export async function envView(
  access: StackAccess,
  name: string,
): Promise<View<{ readonly service: string; readonly variables: readonly EnvVariable[] }>> {
  const config = await access.config();
  const service = serviceOf(config, name);
  const variables = (
    await serviceEnvironment({
      config,
      service,
      processEnv: access.processEnv,
      mode: access.mode,
      client: access.client,
      reveal: false,
      cwd: access.cwd,
    })
  ).filter((variable) => !variable.passedThrough);
  return {
    data: { service: name, variables },
    text: [
      `The environment of ${name} (secrets masked; devstack's own environment passes through as well):`,
      ...variables.map((v) => `${v.key}=${v.value}  # ${v.source}`),
    ].join('\n'),
  };
}

export function serviceOf(config: ResolvedConfig, name: string): ResolvedConfig['services'][number] {
  checkServiceNames(config, [name]);
  return config.services.find((candidate) => candidate.name === name)!;
}
