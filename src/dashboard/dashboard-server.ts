/**
 * The dashboard's HTTP server, on 127.0.0.1 only: the page (three static files, read once), one
 * live stream of the stack (`/api/stream`: the status at once, each service's snapshot when its
 * state changes, every event, and fresh CPU/memory numbers every few seconds), the logs
 * (`/api/logs`, history then live), and the controls. Every request passes request-guard.ts.
 * Nothing is polled: a closed tab is a closed connection, and an idle stack sends nothing but the
 * periodic usage line while a tab is open.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readJsonBody, type ControlTarget } from '../control/server.js';
import type { LogEntry } from '../logs/log-entries.js';
import type { ServiceSnapshot, StampedEvent, StartupOutcome } from '../supervisor/events.js';
import { restartSpans, startupTimeline } from '../supervisor/timeline.js';
import { checkRequest, TOKEN_HEADER } from './request-guard.js';

export interface DashboardTarget extends ControlTarget {
  /** Start every service of the run that is not running. */
  startAll(): Promise<StartupOutcome>;
  /** The names of the run's services. */
  readonly selected: readonly string[];
  /** One service's snapshot with its usage: what a state change sends (not the whole status). */
  snapshotOf(name: string): ServiceSnapshot | undefined;
}

export interface DashboardOptions {
  /** Undefined until the supervisor exists (the page is served earlier, and its stream retries). */
  readonly target: () => DashboardTarget | undefined;
  readonly port: number;
  readonly token: string;
  /** The built page: index.html, app.js, style.css. */
  readonly assetsDir: string;
  /** How often an open tab gets fresh CPU/memory numbers and uptimes. */
  readonly usageIntervalMs: number;
}

export interface DashboardServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const ASSETS: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
// No inline script, no third-party anything: a log line that carries markup can run nothing.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const MAX_BODY = 16 * 1024;

type Action = 'restart' | 'stop' | 'start';

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', ...SECURITY_HEADERS });
  response.end(JSON.stringify(body));
}

export async function startDashboardServer(options: DashboardOptions): Promise<DashboardServer> {
  const assets = new Map(Object.entries(ASSETS).map(([path, file]) => [path, readFileSync(join(options.assetsDir, file))]));
  let port = options.port;
  const streams = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const asset = assets.get(url.pathname);
    const verdict = checkRequest(
      {
        host: request.headers.host,
        origin: request.headers.origin,
        fetchSite: header(request, 'sec-fetch-site'),
        // The page itself is opened with ?token=; its scripts and API calls send the header (scripts: same origin, no token needed).
        token:
          url.pathname === '/app.js' || url.pathname === '/style.css'
            ? options.token
            : (header(request, TOKEN_HEADER) ?? url.searchParams.get('token') ?? undefined),
      },
      port,
      options.token,
    );
    if (verdict.type === 'refused') {
      if (asset !== undefined && url.pathname === '/') {
        response.writeHead(verdict.status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
        return void response.end(`devstack dashboard: ${verdict.reason}\n`);
      }
      return sendJson(response, verdict.status, { error: verdict.reason });
    }
    if (request.method === 'GET' && asset !== undefined) {
      const type = TYPES[ASSETS[url.pathname]!.split('.').pop()!]!;
      response.writeHead(200, { 'content-type': type, ...SECURITY_HEADERS });
      return void response.end(asset);
    }
    void route(request, response, url).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });

  const route = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const key = `${request.method} ${url.pathname}`;
    const target = options.target();
    if (target === undefined) return sendJson(response, 503, { error: 'the supervisor is starting' });
    switch (key) {
      case 'GET /api/stream':
        return stream(target, response);
      case 'GET /api/logs':
        return streamLogs(target, response, url);
      case 'POST /api/restart':
      case 'POST /api/stop':
      case 'POST /api/start':
        return sendJson(response, 200, await act(target, key.slice('POST /api/'.length) as Action, await readJsonBody(request, MAX_BODY)));
      default:
        return sendJson(response, 404, { error: `unknown request ${key}` });
    }
  };

  const overview = (target: DashboardTarget) => {
    const status = target.status();
    const events = target.eventsSince(0);
    return {
      ...status,
      dashboardUrl: undefined, // the page has its own URL; the token is not repeated in data
      timeline: startupTimeline(events),
      restarts: restartSpans(events),
    };
  };

  /** One request names a service or asks for all of them (`{ "all": true }`). */
  const act = async (target: DashboardTarget, action: Action, body: unknown): Promise<unknown> => {
    const service = (body as { service?: unknown } | null)?.service;
    const all = (body as { all?: unknown } | null)?.all === true;
    if (!all && (typeof service !== 'string' || !target.selected.includes(service)))
      return { type: 'refused', reason: `expected { "service": <one of ${target.selected.join(', ')}> } or { "all": true }` };
    switch (action) {
      case 'restart':
        if (!all) return target.restart(service as string);
        await target.stop(target.selected);
        return target.startAll();
      case 'stop':
        return { type: 'stopped', services: await target.stop(all ? target.selected : [service as string]) };
      case 'start':
        return all ? target.startAll() : target.start(service as string);
    }
  };

  const stream = (target: DashboardTarget, response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'application/x-ndjson', ...SECURITY_HEADERS });
    const write = (message: unknown): void => void response.write(`${JSON.stringify(message)}\n`);
    // Subscribed before the overview is taken: no event falls between the two.
    const queued: StampedEvent[] = [];
    let live = false;
    const unsubscribe = target.subscribe((event) => {
      if (!live) return void queued.push(event);
      forward(event);
    });
    const forward = (event: StampedEvent): void => {
      write({ type: 'event', event });
      if (event.type === 'state' || event.type === 'restarted' || event.type === 'restarting') {
        const service = target.snapshotOf(event.service);
        if (service !== undefined) write({ type: 'service', service });
      }
      if (event.type === 'startup-finished' || event.type === 'restarted' || event.type === 'restarting') {
        const events = target.eventsSince(0);
        write({ type: 'timeline', timeline: startupTimeline(events), restarts: restartSpans(events) });
      }
    };
    write({ type: 'overview', overview: overview(target) });
    live = true;
    for (const event of queued) forward(event);
    const usage = setInterval(() => write({ type: 'usage', services: target.status().services, now: Date.now() }), options.usageIntervalMs);
    streams.add(response);
    const end = (): void => {
      clearInterval(usage);
      unsubscribe();
      streams.delete(response);
      if (!response.writableEnded) response.end();
    };
    response.once('close', end);
    void target.closing.then(end);
  };

  /** JSON lines of `[time, service, stream, text]`: a third of an object's bytes for a million lines. */
  const streamLogs = async (target: DashboardTarget, response: ServerResponse, url: URL): Promise<void> => {
    const services = url.searchParams.get('services');
    const lines = Number(url.searchParams.get('lines') ?? 1000);
    const stop = new AbortController();
    response.once('close', () => stop.abort());
    void target.closing.then(() => stop.abort());
    response.writeHead(200, { 'content-type': 'application/x-ndjson', ...SECURITY_HEADERS });
    response.flushHeaders();
    const entries = target.logs(
      {
        services: services === null || services === '' ? undefined : services.split(','),
        lines: Number.isFinite(lines) && lines >= 0 ? lines : undefined,
        follow: true,
      },
      stop.signal,
    );
    for await (const batch of entries) {
      if (batch.length === 0) continue;
      const ok = response.write(`${batch.map(compactEntry).join('\n')}\n`);
      if (!ok) await new Promise((resolve) => response.once('drain', resolve));
      if (stop.signal.aborted) break;
    }
    if (!response.writableEnded) response.end();
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${options.token}`,
    close: () =>
      new Promise((resolve) => {
        for (const response of streams) response.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function compactEntry(entry: LogEntry): string {
  return JSON.stringify([entry.time, entry.service, entry.stream, entry.text]);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
