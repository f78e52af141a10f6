/**
 * The stack's entry point on 127.0.0.1: one origin for the browser, routed by host name
 * (`<service>.localhost`) or path prefix to the services, WebSockets included. Forwarding is
 * httpxy's (streaming both ways, keep-alive to the services, `X-Forwarded-*`, redirects' `Location`
 * rewritten to the proxy); what is devstack's is that a request for a service that is starting or
 * restarting waits until it is ready — bounded in time and in number — instead of failing with a
 * 502, and one for a service that is down gets at once a small page saying which and why.
 *
 * The browser's `Host` header is kept (nginx rewrites it by default): apps that build URLs or set
 * cookies from it then point at the proxy, not at their own port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rmSync } from 'node:fs';
import { createProxyServer, type ProxyServerOptions } from 'httpxy';
import type { ResolvedProxy } from '../config/resolved.js';
import { formatMs } from '../util/duration.js';
import type { Availability } from './availability.js';
import { proxyPortInUse } from './port-in-use.js';
import { routeOf, type Route } from './routing.js';

export interface ProxyBackends {
  /** Whether a request for `service` can go now, should wait, or gets the "down" page (availability.ts). */
  availability(service: string): Availability;
  /** `listener` runs after every state change of any service; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export interface ProxyOptions {
  readonly proxy: ResolvedProxy;
  /** The port to listen on; 0 for a free one. */
  readonly port: number;
  readonly backends: ProxyBackends;
  /** One line per request: `GET /api/users → api 200 12 ms`. */
  readonly accessLog?: ((line: string) => void) | undefined;
  /** HTTPS beside HTTP, with the same routes: its port (0: a free one) and certificate. */
  readonly tls?: { readonly port: number; readonly cert: Buffer; readonly key: Buffer } | undefined;
}

export interface RunningProxy {
  readonly port: number;
  /** When HTTPS is on. */
  readonly httpsPort: number | undefined;
  close(): Promise<void>;
}

/** Connection errors that mean "nobody listens there (yet)": the service is between two processes. */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);
const RECHECK_MS = 100;

/** The client of a request, for while it waits: an AbortController per request costs more than the forwarding. */
interface Client {
  readonly gone: boolean;
  onGone(listener: () => void): () => void;
}

function clientOf(socket: Duplex): Client {
  return {
    get gone() {
      return socket.destroyed;
    },
    onGone(listener) {
      socket.once('close', listener);
      return () => socket.off('close', listener);
    },
  };
}

interface Held {
  readonly service: string;
  readonly since: number;
  readonly release: (availability: Availability | 'timeout') => void;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The page for a request devstack cannot pass on: HTML for browsers, one line for everything else. */
function sendPage(request: IncomingMessage, response: ServerResponse, status: number, title: string, detail: string): void {
  if (response.headersSent) return void response.destroy();
  const html = (request.headers.accept ?? '').includes('text/html');
  const body = html
    ? `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><body style="font:16px system-ui;margin:3em"><h1 style="font-size:1.4em">${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p style="color:#777">devstack proxy · <code>devstack ps</code> and <code>devstack logs</code> say more</p>`
    : `${title}: ${detail}\n`;
  response.writeHead(status, {
    'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...(status === 503 ? { 'retry-after': '1' } : {}),
  });
  response.end(body);
}

function hasBody(request: IncomingMessage): boolean {
  return request.headers['content-length'] !== undefined
    ? request.headers['content-length'] !== '0'
    : request.headers['transfer-encoding'] !== undefined;
}

/**
 * How requests reach the forwarding: from browsers directly (devstack is the front: it sets
 * `X-Forwarded-*`, rewrites redirects and logs), or from nginx (which did all that already).
 */
type Front = 'clients' | 'nginx';

interface Forwarding {
  handle(request: IncomingMessage, response: ServerResponse, route: Route | undefined, front: Front): Promise<void>;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, route: Route | undefined, front: Front): Promise<void>;
  close(): void;
}

function createForwarding(proxy: ResolvedProxy, backends: ProxyBackends, accessLog: ((line: string) => void) | undefined): Forwarding {
  const forwarder = createProxyServer({ ws: true, changeOrigin: false });
  forwarder.on('error', () => undefined); // every call handles its own errors
  const held = new Set<Held>();
  // One target object per port: httpxy would parse a URL string for every request.
  const targets = new Map<number, URL>();
  const targetOf = (port: number): URL => {
    let found = targets.get(port);
    if (found === undefined) targets.set(port, (found = new URL(`http://127.0.0.1:${port}`)));
    return found;
  };

  const unsubscribe = backends.onChange(() => {
    for (const entry of [...held]) {
      const availability = backends.availability(entry.service);
      if (availability.type !== 'coming') entry.release(availability);
    }
  });

  /** Resolves with the service's availability once it is not "coming", or 'timeout' / 'full'. */
  const waitFor = (service: string, since: number, client: Client, recheckMs?: number): Promise<Availability | 'timeout' | 'full'> => {
    if (held.size >= proxy.maxHeld) return Promise.resolve('full');
    return new Promise((resolve) => {
      const left = proxy.holdTimeoutMs - (Date.now() - since);
      const entry: Held = {
        service,
        since,
        release: (availability) => {
          held.delete(entry);
          clearTimeout(timer);
          clearTimeout(recheck);
          stopWatching();
          resolve(availability);
        },
      };
      const timer = setTimeout(() => entry.release('timeout'), Math.max(0, left));
      // After a refused connection while the service still looks ready: look again soon (its crash
      // may not have been noticed yet), whatever the events say.
      const recheck = recheckMs === undefined ? undefined : setTimeout(() => entry.release(backends.availability(service)), recheckMs);
      const stopWatching = client.onGone(() => entry.release('timeout'));
      held.add(entry);
    });
  };

  const log = (request: IncomingMessage, url: string, route: Route | undefined, status: number | string, since: number): void => {
    accessLog?.(`${request.method} ${url} → ${route?.service ?? '-'} ${status} ${formatMs(Date.now() - since)}`);
  };

  /** Waits while the service is coming; undefined when the request was answered (or its client left). */
  const readyPort = async (
    request: IncomingMessage,
    route: Route,
    since: number,
    client: Client,
    recheckMs?: number,
  ): Promise<{ port: number } | { status: number; title: string; detail: string }> => {
    let availability = backends.availability(route.service);
    if (recheckMs !== undefined && availability.type === 'ready') availability = { type: 'coming', why: 'it did not answer' };
    while (availability.type === 'coming') {
      const waited = await waitFor(route.service, since, client, recheckMs);
      recheckMs = undefined;
      if (waited === 'full')
        return {
          status: 503,
          title: `${route.service} is not ready`,
          detail: `${availability.why}, and ${proxy.maxHeld} requests are already waiting for the stack`,
        };
      if (waited === 'timeout')
        return {
          status: 503,
          title: `${route.service} is not ready`,
          detail: `${availability.why}; still not ready after ${formatMs(proxy.holdTimeoutMs)}`,
        };
      availability = waited;
    }
    if (availability.type === 'down') return { status: 503, title: `${route.service} is down`, detail: availability.why };
    return { port: availability.port };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse, route: Route | undefined, front: Front): Promise<void> => {
    const since = Date.now();
    const url = request.url ?? '/';
    if (route === undefined) {
      log(request, url, route, 404, since);
      return sendPage(
        request,
        response,
        404,
        'No route',
        `no proxy route matches ${request.url}; routes: ${proxy.routes.map((r) => `${r.prefix} → ${r.service}`).join(', ') || 'none'}`,
      );
    }
    const client = clientOf(request.socket);
    if (accessLog !== undefined && front === 'clients') response.once('finish', () => log(request, url, route, response.statusCode, since));
    let recheckMs: number | undefined;
    for (;;) {
      const target = await readyPort(request, route, since, client, recheckMs);
      if (client.gone) return;
      if (!('port' in target)) return sendPage(request, response, target.status, target.title, target.detail);
      request.url = route.path;
      try {
        await forwarder.web(request, response, forwardOptions(request, target.port, front));
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        // Nothing was sent yet and the body (if any) was not read: the service is between two
        // processes; hold the request again. A request with a body cannot be replayed.
        if (!response.headersSent && !hasBody(request) && NOT_LISTENING.has(code) && Date.now() - since < proxy.holdTimeoutMs) {
          recheckMs = RECHECK_MS;
          continue;
        }
        return sendPage(request, response, 502, `${route.service} did not answer`, `${(error as Error).message}`);
      }
    }
  };

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer, route: Route | undefined, front: Front): Promise<void> => {
    const since = Date.now();
    const url = request.url ?? '/';
    const refuse = (status: number, text: string): void => {
      log(request, url, route, status, since);
      socket.end(
        `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${text}\n`,
      );
    };
    if (route === undefined) return refuse(404, `no proxy route matches ${request.url}`);
    const client = clientOf(socket);
    const target = await readyPort(request, route, since, client);
    if (client.gone) return;
    if (!('port' in target)) return refuse(target.status, `${target.title}: ${target.detail}`);
    request.url = route.path;
    if (front === 'clients') log(request, url, route, 'websocket', since);
    await forwarder.ws(request, socket as Socket, forwardOptions(request, target.port, front), head).catch(() => socket.destroy());
  };

  /** What httpxy does for one request: all of it for a client; for nginx, only the forwarding. */
  const forwardOptions = (request: IncomingMessage, port: number, front: Front): ProxyServerOptions => {
    if (front === 'nginx') return { target: targetOf(port) };
    // Behind HTTPS, a redirect the service sends as http://… goes back out as https://.
    const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
    return encrypted
      ? { target: targetOf(port), xfwd: true, autoRewrite: true, protocolRewrite: 'https' }
      : { target: targetOf(port), xfwd: true, autoRewrite: true };
  };

  return {
    handle,
    upgrade,
    close() {
      unsubscribe();
      for (const entry of [...held]) entry.release('timeout');
    },
  };
}

/** Requests for the services, from nginx: one unix socket per service, the service known by the socket. */
export interface HoldOptions {
  readonly proxy: ResolvedProxy;
  readonly backends: ProxyBackends;
  readonly sockets: readonly { readonly service: string; readonly path: string }[];
}

export async function startHoldServers(options: HoldOptions): Promise<{ close(): Promise<void> }> {
  const forwarding = createForwarding(options.proxy, options.backends, undefined);
  const sockets = new Set<Duplex>();
  const servers: Server[] = [];
  const closeAll = async (): Promise<void> => {
    forwarding.close();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const socket of sockets) socket.destroy();
  };
  try {
    for (const { service, path } of options.sockets) {
      const server = createServer();
      const route = (request: IncomingMessage): Route => ({ service, path: request.url ?? '/' });
      server.on(
        'request',
        (request: IncomingMessage, response: ServerResponse) => void forwarding.handle(request, response, route(request), 'nginx'),
      );
      server.on(
        'upgrade',
        (request: IncomingMessage, socket: Duplex, head: Buffer) => void forwarding.upgrade(request, socket, head, route(request), 'nginx'),
      );
      // Longer than nginx keeps an idle connection to us (60 s), so nginx is the one that closes it.
      server.keepAliveTimeout = 75_000;
      trackSockets(server, sockets);
      rmSync(path, { force: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
      servers.push(server);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return { close: closeAll };
}

function trackSockets(server: Server | HttpsServer, sockets: Set<Duplex>): void {
  server.on('connection', (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const { proxy } = options;
  const forwarding = createForwarding(proxy, options.backends, options.accessLog);
  const routeFor = (request: IncomingMessage): Route | undefined => routeOf(proxy, request.headers.host, request.url ?? '/');

  const sockets = new Set<Duplex>();
  const serve = (server: Server | HttpsServer): void => {
    server.on(
      'request',
      (request: IncomingMessage, response: ServerResponse) => void forwarding.handle(request, response, routeFor(request), 'clients'),
    );
    server.on(
      'upgrade',
      (request: IncomingMessage, socket: Duplex, head: Buffer) =>
        void forwarding.upgrade(request, socket, head, routeFor(request), 'clients'),
    );
    server.keepAliveTimeout = 60_000;
    trackSockets(server, sockets);
  };
  const listen = (server: Server | HttpsServer, port: number, field: 'proxy.port' | 'proxy.https.port'): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? proxyPortInUse(field, port) : error));
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const server = createServer();
  serve(server);
  const servers: (Server | HttpsServer)[] = [server];
  const closeAll = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let open = servers.length;
      for (const each of servers) each.close(() => --open === 0 && resolve());
      for (const socket of sockets) socket.destroy();
    });
  let port: number;
  let httpsPort: number | undefined;
  try {
    port = await listen(server, options.port, 'proxy.port');
    if (options.tls !== undefined) {
      const secure = createHttpsServer({ cert: options.tls.cert, key: options.tls.key });
      serve(secure);
      servers.push(secure);
      httpsPort = await listen(secure, options.tls.port, 'proxy.https.port');
    }
  } catch (error) {
    forwarding.close();
    await closeAll();
    throw error;
  }
  return {
    port,
    httpsPort,
    async close() {
      forwarding.close();
      await closeAll();
    },
  };
}
