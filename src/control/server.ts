/**
 * Serves the control API for a running supervisor. The handler knows only a ControlTarget (what
 * the app layer provides: status, start/stop/restart, shutdown, the event stream), not the
 * supervisor's internals.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestartOutcome, StampedEvent, StartupOutcome } from '../supervisor/events.js';
import type { LogEntry } from '../logs/log-entries.js';
import {
  EVENTS_PATH,
  LOGS_PATH,
  type LogsRequest,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type Route,
  type ServiceRequest,
  type StatusResponse,
  type StopRequest,
} from './protocol.js';

export interface ControlTarget {
  status(): StatusResponse;
  start(service: string): Promise<StartupOutcome>;
  stop(services: readonly string[]): Promise<readonly string[]>;
  restart(service: string): Promise<RestartOutcome>;
  shutdown(): Promise<void>;
  /** Kept events after `seq`. */
  eventsSince(seq: number): readonly StampedEvent[];
  /** Live events (not service output); returns the unsubscribe function. */
  subscribe(listener: (event: StampedEvent) => void): () => void;
  /** Log entries: the history, then (when following) new lines until `signal` aborts. */
  logs(request: LogsRequest, signal: AbortSignal): AsyncIterable<readonly LogEntry[]>;
  /** Resolves when the supervisor is about to exit: open streams end then. */
  readonly closing: Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** A request's JSON body (`{}` when empty), refused past `maxBytes`. The dashboard's requests read the same way. */
export async function readJsonBody(request: IncomingMessage, maxBytes: number = MAX_BODY): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > maxBytes) throw new Error('request body too large');
  }
  return text === '' ? {} : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) });
  response.end(JSON.stringify(body));
}

function isServiceRequest(body: unknown): body is ServiceRequest {
  return typeof body === 'object' && body !== null && typeof (body as ServiceRequest).service === 'string';
}

function isStopRequest(body: unknown): body is StopRequest {
  const services = (body as StopRequest | null)?.services;
  return Array.isArray(services) && services.every((service) => typeof service === 'string');
}

export function createControlHandler(target: ControlTarget): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', 'http://devstack');
        if (request.method === 'GET' && url.pathname === EVENTS_PATH) return streamEvents(target, url, response);
        if (request.method === 'GET' && url.pathname === LOGS_PATH) return await streamLogs(target, url, response);
        const route = `${request.method} ${url.pathname}` as Route;
        switch (route) {
          case 'GET /v2/status':
            return send(response, 200, target.status());
          case 'POST /v2/start': {
            const body = await readJsonBody(request);
            if (!isServiceRequest(body)) return send(response, 400, { error: 'expected { "service": "<name>" }' });
            return send(response, 200, await target.start(body.service));
          }
          case 'POST /v2/stop': {
            const body = await readJsonBody(request);
            if (!isStopRequest(body)) return send(response, 400, { error: 'expected { "services": ["<name>", …] }' });
            return send(response, 200, { stopped: await target.stop(body.services) });
          }
          case 'POST /v2/restart': {
            const body = await readJsonBody(request);
            if (!isServiceRequest(body)) return send(response, 400, { error: 'expected { "service": "<name>" }' });
            return send(response, 200, await target.restart(body.service));
          }
          case 'POST /v2/shutdown':
            await target.shutdown();
            return send(response, 200, { ok: true });
          default:
            return send(response, 404, { error: `unknown request ${request.method} ${url.pathname}` });
        }
      } catch (error) {
        if (!response.headersSent) send(response, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    })();
  };
}

async function streamLogs(target: ControlTarget, url: URL, response: ServerResponse): Promise<void> {
  const services = url.searchParams.get('services');
  const lines = url.searchParams.get('lines');
  const request: LogsRequest = {
    services: services === null || services === '' ? undefined : services.split(','),
    lines: lines === null ? undefined : Math.max(0, Number(lines) || 0),
    since: url.searchParams.get('since') ?? undefined,
    follow: url.searchParams.get('follow') === '1',
  };
  const stop = new AbortController();
  response.once('close', () => stop.abort());
  void target.closing.then(() => stop.abort());
  response.writeHead(200, { 'content-type': 'application/x-ndjson', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) });
  // Sent now, not with the first line: a follower of a quiet stack must know at once that it is connected.
  response.flushHeaders();
  for await (const batch of target.logs(request, stop.signal)) {
    if (batch.length === 0) continue;
    const ok = response.write(`${batch.map((entry) => JSON.stringify(entry)).join('\n')}\n`);
    // A slow reader slows the reading of the files down, not the supervisor's memory up.
    if (!ok) await new Promise((resolve) => response.once('drain', resolve));
    if (stop.signal.aborted) break;
  }
  if (!response.writableEnded) response.end();
}

/** JSON lines: the kept events after `since`, then (with `follow=1`) each new one until either side ends. */
function streamEvents(target: ControlTarget, url: URL, response: ServerResponse): void {
  const since = Number(url.searchParams.get('since') ?? 0) || 0;
  const follow = url.searchParams.get('follow') === '1';
  response.writeHead(200, { 'content-type': 'application/x-ndjson', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) });
  // Sent now, not with the first line: a follower of a quiet stack must know at once that it is connected.
  response.flushHeaders();
  let last = since;
  const write = (event: StampedEvent): void => {
    if (event.seq <= last) return; // already sent from the history
    last = event.seq;
    response.write(`${JSON.stringify(event)}\n`);
  };
  // Subscribed before the history is read: nothing falls between the two.
  const unsubscribe = follow ? target.subscribe(write) : undefined;
  for (const event of target.eventsSince(since)) write(event);
  if (!follow) return void response.end();
  const end = (): void => {
    unsubscribe?.();
    if (!response.writableEnded) response.end();
  };
  response.once('close', end);
  void target.closing.then(end);
}
