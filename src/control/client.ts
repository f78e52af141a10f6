/**
 * The typed client of a running supervisor's control API: what the CLI, `devstack run`, the MCP
 * server and the dashboard use to talk to it. Never throws for an expected outcome: no supervisor,
 * another protocol version, or a failed request come back as a ControlError.
 */
import type { IncomingMessage } from 'node:http';
import type { StampedEvent } from '../supervisor/events.js';
import { DevstackError } from '../errors.js';
import { err, ok, type Result } from '../util/result.js';
import type { LogEntry } from '../logs/log-entries.js';
import { EVENTS_PATH, LOGS_PATH, PROTOCOL_HEADER, PROTOCOL_VERSION, type LogsRequest, type Route, type Routes } from './protocol.js';
import { plainRequest } from './plain-request.js';

export type ControlError =
  | { readonly type: 'not-running' }
  | { readonly type: 'version-mismatch'; readonly theirs: string }
  | { readonly type: 'failed'; readonly message: string };

export type ControlResult<T> = Result<T, ControlError>;

export interface ControlClient {
  readonly address: string;
  status(timeoutMs?: number): Promise<ControlResult<Routes['GET /v2/status']['response']>>;
  start(service: string): Promise<ControlResult<Routes['POST /v2/start']['response']>>;
  stop(services: readonly string[]): Promise<ControlResult<Routes['POST /v2/stop']['response']>>;
  restart(service: string): Promise<ControlResult<Routes['POST /v2/restart']['response']>>;
  shutdown(timeoutMs?: number): Promise<ControlResult<Routes['POST /v2/shutdown']['response']>>;
  /** Log entries (history merged in time order, then new lines while `follow`). */
  logs(request: LogsRequest & { readonly signal?: AbortSignal }): Promise<ControlResult<AsyncIterable<LogEntry>>>;
  /** Kept events after `since`, then live ones while `follow` (until `signal` aborts or the stack stops). */
  events(options: {
    readonly since?: number;
    readonly follow: boolean;
    readonly signal?: AbortSignal;
  }): Promise<ControlResult<AsyncIterable<StampedEvent>>>;
}

/** How long a request may take: a restart waits for readiness, a shutdown for every stop timeout. */
const LONG_MS = 15 * 60_000;

function versionOf(response: IncomingMessage): string | undefined {
  const value = response.headers[PROTOCOL_HEADER];
  return Array.isArray(value) ? value[0] : value;
}

function versionMismatch(version: string | undefined): ControlError {
  return { type: 'version-mismatch', theirs: version ?? '1 or older' };
}

/** A stream (logs, events): through node:http, loaded only for these. */
async function open(
  address: string,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ControlResult<IncomingMessage>> {
  const { request: httpRequest } = await import('node:http');
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const call = httpRequest(
      { socketPath: address, method, path, timeout: timeoutMs, signal, headers: { 'content-type': 'application/json' } },
      (response) => {
        const version = versionOf(response);
        if (version !== String(PROTOCOL_VERSION)) {
          response.resume();
          return resolve(err(versionMismatch(version)));
        }
        resolve(ok(response));
      },
    );
    call.on('timeout', () =>
      call.destroy(Object.assign(new Error(`the supervisor did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    call.on('error', (error: NodeJS.ErrnoException) => {
      const absent = error.code === 'ECONNREFUSED' || error.code === 'ENOENT';
      resolve(err(absent ? { type: 'not-running' } : { type: 'failed', message: error.message }));
    });
    call.end(payload);
  });
}

async function call<R extends Route>(
  address: string,
  route: R,
  body: Routes[R]['request'],
  timeoutMs: number,
): Promise<ControlResult<Routes[R]['response']>> {
  const [method, path] = route.split(' ') as [string, string];
  const answered = await plainRequest({
    socketPath: address,
    method,
    path,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs,
  });
  if (!answered.ok) {
    const failure = answered.error;
    switch (failure.type) {
      case 'absent':
        return err({ type: 'not-running' });
      case 'timeout':
        return err({ type: 'failed', message: `the supervisor did not answer within ${timeoutMs} ms` });
      case 'broken':
        return err({ type: 'failed', message: `the supervisor's answer broke off: ${failure.message}` });
    }
  }
  const response = answered.value;
  const version = response.headers.get(PROTOCOL_HEADER);
  if (version !== String(PROTOCOL_VERSION)) return err(versionMismatch(version));
  const text = response.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err({ type: 'failed', message: `unreadable answer from the supervisor: ${text.slice(0, 80)}` });
  }
  if (response.statusCode >= 400)
    return err({ type: 'failed', message: (parsed as { error?: string }).error ?? `status ${response.statusCode}` });
  return ok(parsed as Routes[R]['response']);
}

async function* jsonLines<T = StampedEvent>(response: IncomingMessage): AsyncIterable<T> {
  let buffered = '';
  try {
    for await (const chunk of response) {
      buffered += String(chunk);
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield JSON.parse(line) as T;
      }
    }
  } catch {
    // The stream ended abruptly (the supervisor exited, or the caller aborted): that is its end.
  }
}

export function createControlClient(address: string): ControlClient {
  return {
    address,
    status: (timeoutMs = 3000) => call(address, 'GET /v2/status', undefined, timeoutMs),
    start: (service) => call(address, 'POST /v2/start', { service }, LONG_MS),
    stop: (services) => call(address, 'POST /v2/stop', { services }, LONG_MS),
    restart: (service) => call(address, 'POST /v2/restart', { service }, LONG_MS),
    shutdown: (timeoutMs = LONG_MS) => call(address, 'POST /v2/shutdown', undefined, timeoutMs),
    async logs({ services, lines, since, follow, signal }) {
      const query = new URLSearchParams();
      if (services !== undefined) query.set('services', services.join(','));
      if (lines !== undefined && Number.isFinite(lines)) query.set('lines', String(lines));
      if (since !== undefined) query.set('since', since);
      if (follow) query.set('follow', '1');
      const opened = await open(address, 'GET', `${LOGS_PATH}?${query.toString()}`, undefined, 0, signal);
      if (!opened.ok) return opened;
      return ok(jsonLines<LogEntry>(opened.value));
    },
    async events({ since = 0, follow, signal }) {
      const opened = await open(address, 'GET', `${EVENTS_PATH}?since=${since}${follow ? '&follow=1' : ''}`, undefined, 0, signal);
      if (!opened.ok) return opened;
      return ok(jsonLines(opened.value));
    },
  };
}

/**
 * The one DevstackError for a control request that could not be made: for the CLI's commands and
 * the MCP server's tools alike. `notRunningHint` says how to start the stack where that differs.
 */
export function controlErrorOf(
  error: ControlError,
  configFile: string,
  notRunningHint = 'start the stack with "devstack up"',
): DevstackError {
  const hint =
    error.type === 'not-running'
      ? notRunningHint
      : error.type === 'version-mismatch'
        ? 'stop it with "devstack down" (it works without talking to it), then start it again with this devstack'
        : 'see logs/devstack.stderr.log and "devstack ps"';
  return new DevstackError(error.type === 'not-running' ? 'NOT_RUNNING' : 'CONTROL_FAILED', describeControlError(error, configFile), {
    hint,
  });
}

/** One line for a ControlError, for the CLI's messages. */
export function describeControlError(error: ControlError, configFile: string): string {
  switch (error.type) {
    case 'not-running':
      return `no devstack supervisor is running for ${configFile}`;
    case 'version-mismatch':
      return `the running supervisor speaks control protocol ${error.theirs}, this devstack speaks ${PROTOCOL_VERSION}`;
    case 'failed':
      return `the supervisor could not do it: ${error.message}`;
  }
}
