/**
 * Pure: the nginx.conf of a stack whose proxy runs on nginx. nginx answers every request for a
 * service that is ready, straight to its port with keep-alive; devstack's own code sees only what
 * nginx cannot decide — a request for a service that is not ready (held, or the "down" page) and
 * one whose connection was refused (the service died before devstack noticed) — through a unix
 * socket per service:
 *
 * - readiness is a file per service (`gates/<n>`), present while the service is ready: nginx
 *   `stat`s it per request (about a microsecond; measured: no change in rate or p99) instead of
 *   being reloaded at each state change, which would close every idle keep-alive connection and
 *   fail the requests crossing the close;
 * - a refused connection goes to the service's `backup` server, the same socket: nginx passes a
 *   request to the next server only when nothing of it was sent, so no body is ever sent twice;
 * - routes are `location`s: `= /api` and `^~ /api/` (a prefix matches at a segment boundary, as
 *   the node engine does), longest first by nginx's own rule; host names are `server_name`s.
 */
import type { ResolvedProxy } from '../config/resolved.js';

export interface NginxSite {
  readonly proxy: ResolvedProxy;
  /** Every service a route or host name points at, with its port (none: not part of this run) and its index (for file names). */
  readonly services: readonly { readonly name: string; readonly port: number | undefined }[];
  readonly httpPort: number;
  readonly https: { readonly port: number; readonly certFile: string; readonly keyFile: string } | undefined;
  /** The folder of nginx's pid, temp files, gates and sockets. */
  readonly dir: string;
  readonly holdSocket: (index: number) => string;
  readonly gateFile: (index: number) => string;
  /** The access log (`logs/proxy.log`), when there is one: nginx writes it in devstack's line format. */
  readonly accessLogFile: string | undefined;
  /** nginx's master runs as root: its workers must too, to reach the sockets and files devstack made. */
  readonly asRoot: boolean;
}

/** What nginx's configuration language takes without quoting or interpolation surprises. */
const PLAIN = /^[A-Za-z0-9/._~+-]*$/;

/** A unix socket's path holds 107 bytes; `<dir>/hold-<n>.sock` must fit. */
const SOCKET_PATH_MAX = 107;

/**
 * Why the stack's proxy cannot run on nginx (a string nginx would read differently, a folder too
 * long for its sockets), or undefined.
 */
export function nginxUnsuitable(proxy: ResolvedProxy, dir: string): string | undefined {
  const route = proxy.routes.find((candidate) => !PLAIN.test(candidate.prefix));
  if (route !== undefined) return `the route "${route.prefix}" has characters nginx matches differently (decoded)`;
  if (!PLAIN.test(dir)) return `the path ${dir} has characters nginx's configuration cannot hold as they are`;
  if (Buffer.byteLength(`${dir}/hold-${proxy.routes.length + Object.keys(proxy.hosts).length}.sock`) > SOCKET_PATH_MAX)
    return `the runtime folder ${dir} is too long for unix sockets`;
  return undefined;
}

function escapeRegex(text: string): string {
  return text.replace(/[.+~]/g, (char) => `\\${char}`);
}

/** nginx's `$request_time` ("0.012") as devstack writes durations ("12 ms", "1.5 s"). */
const DURATION_MAP = `map $request_time $devstack_duration {
    ~^0\\.0*(?<ms>\\d+)$ "$ms ms";
    ~^(?<s>[1-9])\\.(?<tenths>\\d) "$s.$tenths s";
    ~^(?<s>\\d+)\\. "$s s";
  }`;

/**
 * A line as devstack writes it (`2026-12-02T04:29:12.345Z out GET /api → api 200 3 ms`): nginx runs
 * with TZ=UTC, so its ISO time is UTC; the milliseconds come from `$msec`. Buffered: one write per
 * 32 KB or 250 ms.
 */
const ACCESS_LOG_FORMAT = `map $time_iso8601 $devstack_second { ~^(?<t>[^+]+) $t; }
  map $msec $devstack_millis { ~\\.(?<ms>\\d+)$ $ms; }
  log_format devstack '\${devstack_second}.\${devstack_millis}Z out $request_method $request_uri → $devstack_service $status $devstack_duration';`;

export function nginxConfigOf(site: NginxSite): string {
  const { proxy } = site;
  const indexOf = new Map(site.services.map((service, index) => [service.name, index]));
  const serviceIndex = (name: string): number => {
    const index = indexOf.get(name);
    if (index === undefined) throw new Error(`no port for ${name}`); // resolve-proxy checked every target has one
    return index;
  };
  const upstreams = site.services.flatMap((service, index) => [
    ...(service.port === undefined
      ? []
      : [
          `  upstream devstack_service_${index} { server 127.0.0.1:${service.port} max_fails=0; server unix:${site.holdSocket(index)} max_fails=0 backup; keepalive 32; }`,
        ]),
    `  upstream devstack_hold_${index} { server unix:${site.holdSocket(index)} max_fails=0; keepalive 8; }`,
  ]);

  /** The body of a location that sends to `name`, with `rewrite` (stripping) last: it ends the rewrite phase. */
  const toService = (name: string, rewrite?: string): string => {
    const index = serviceIndex(name);
    const port = site.services[index]!.port;
    // Not part of this run (another profile): devstack answers with the page saying so.
    if (port === undefined) return `set $devstack_service ${name}; proxy_pass http://devstack_hold_${index};`;
    return [
      `set $devstack_service ${name};`,
      `set $devstack_upstream devstack_service_${index};`,
      `if (!-f ${site.gateFile(index)}) { set $devstack_upstream devstack_hold_${index}; }`,
      ...(rewrite === undefined ? [] : [rewrite]),
      'proxy_pass http://$devstack_upstream;',
      // A redirect to the service's own address goes back out through the proxy, on the scheme the request came in on.
      `proxy_redirect http://127.0.0.1:${port}/ $scheme://$http_host/;`,
      `proxy_redirect http://localhost:${port}/ $scheme://$http_host/;`,
    ].join(' ');
  };
  const routeLocations = proxy.routes.flatMap((route) => {
    if (route.prefix === '/') return [`    location / { ${toService(route.service)} }`];
    const strip = route.stripPrefix;
    return [
      `    location = ${route.prefix} { ${toService(route.service, strip ? 'rewrite ^ / break;' : undefined)} }`,
      `    location ^~ ${route.prefix}/ { ${toService(route.service, strip ? `rewrite ^${escapeRegex(route.prefix)}(/.*)$ $1 break;` : undefined)} }`,
    ];
  });
  if (!proxy.routes.some((route) => route.prefix === '/')) {
    const listed = proxy.routes.map((route) => `${route.prefix} → ${route.service}`).join(', ') || 'none';
    routeLocations.push(
      `    location / { set $devstack_service -; default_type text/plain; add_header X-Content-Type-Options nosniff; return 404 "No route: no proxy route matches $uri; routes: ${listed}\\n"; }`,
    );
  }

  const listens = (extra: string): string[] => [
    `    listen 127.0.0.1:${site.httpPort}${extra};`,
    ...(site.https === undefined ? [] : [`    listen 127.0.0.1:${site.https.port} ssl${extra};`]),
  ];
  const byService = new Map<string, string[]>();
  for (const [host, name] of Object.entries(proxy.hosts)) byService.set(name, [...(byService.get(name) ?? []), host]);
  const hostServers = [...byService].map(([name, hosts]) =>
    [`  server {`, ...listens(''), `    server_name ${hosts.join(' ')};`, `    location / { ${toService(name)} }`, `  }`].join('\n'),
  );
  const tmp = (name: string): string => `${site.dir}/tmp/${name}`;

  return `# Written by devstack at each start of the stack: edits are lost.
${site.asRoot ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${site.dir}/nginx.pid;
error_log stderr crit;
events { worker_connections 4096; }
http {
  server_tokens off;
  ${site.accessLogFile === undefined ? 'access_log off;' : `${ACCESS_LOG_FORMAT}\n  access_log ${site.accessLogFile} devstack buffer=32k flush=250ms;`}
  ${DURATION_MAP}
  map $http_upgrade $devstack_connection { default upgrade; '' ''; }
  client_max_body_size 0;
  client_body_temp_path ${tmp('body')}; proxy_temp_path ${tmp('proxy')}; fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')}; scgi_temp_path ${tmp('scgi')};
  keepalive_timeout 60s; keepalive_requests 100000;
  # Big cookies and tokens pass, both ways, as they do through Node (16 KB of headers) and more:
  # nginx's defaults (8 KB request lines/headers, a 4–8 KB upstream header buffer) fail them with 400/502.
  large_client_header_buffers 8 64k; proxy_buffer_size 64k; proxy_buffers 8 64k; proxy_busy_buffers_size 128k;
  # Bodies stream both ways, as they come; long polls, event streams and WebSockets stay open.
  proxy_http_version 1.1; proxy_request_buffering off; proxy_buffering off;
  proxy_read_timeout 1d; proxy_send_timeout 1d;
  # The browser's Host is kept (nginx's default would send the upstream's name).
  proxy_set_header Host $http_host;
  proxy_set_header Connection $devstack_connection;
  proxy_set_header Upgrade $http_upgrade;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Host $http_host;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_set_header X-Forwarded-Port $server_port;
${site.https === undefined ? '' : `  ssl_certificate ${site.https.certFile}; ssl_certificate_key ${site.https.keyFile};\n`}${upstreams.join('\n')}
  server {
${listens(' default_server').join('\n')}
    server_name _;
${routeLocations.join('\n')}
  }
${hostServers.join('\n')}
}
`;
}
