/**
 * The proxy section, resolved and checked against the services: every route and host names a
 * service with an HTTP port, no two routes share a prefix, no host name is taken twice, and the
 * proxy's own port is no service's.
 */
import { parseDurationMs } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';
import { configError } from './config-error.js';
import type { UserConfig } from './define-config.js';
import { resolve as resolvePath } from 'node:path';
import {
  DEFAULT_PROXY_HTTPS_PORT,
  DEFAULT_PROXY_PORT,
  type ResolvedProxy,
  type ResolvedProxyRoute,
  type ResolvedService,
} from './resolved.js';

const HTTP_SCHEMES = ['http', 'https'];

function httpService(displayFile: string, field: string, name: string, services: readonly ResolvedService[]): ResolvedService {
  const service = services.find((candidate) => candidate.name === name);
  if (service === undefined) {
    const known = services.map((candidate) => candidate.name);
    throw configError(displayFile, field, `unknown service "${name}"${didYouMean(name, known)}`, `services: ${known.join(', ')}`);
  }
  const port = service.ports[0];
  if (port === undefined)
    throw configError(displayFile, field, `service "${name}" has no port to proxy to`, `give it a port (port: 3000, or 'auto')`);
  if (!HTTP_SCHEMES.includes(port.scheme))
    throw configError(displayFile, field, `"${name}" speaks ${port.scheme}, not HTTP`, 'route only HTTP services through the proxy');
  return service;
}

function resolveHttps(proxy: NonNullable<UserConfig['proxy']>, root: string, displayFile: string): ResolvedProxy['https'] {
  const https = proxy.https;
  if (https === undefined || https === false) return undefined;
  const options = https === true ? {} : https;
  if ((options.cert === undefined) !== (options.key === undefined))
    throw configError(displayFile, 'proxy.https', 'cert and key go together', 'give both files, or neither (then mkcert makes them)');
  return {
    port: options.port ?? DEFAULT_PROXY_HTTPS_PORT,
    cert: options.cert === undefined ? undefined : resolvePath(root, options.cert),
    key: options.key === undefined ? undefined : resolvePath(root, options.key),
  };
}

export function resolveProxy(
  proxy: UserConfig['proxy'],
  root: string,
  displayFile: string,
  services: readonly ResolvedService[],
): ResolvedProxy | undefined {
  if (proxy === undefined) return undefined;
  if (services.some((service) => service.name === 'proxy'))
    throw configError(
      displayFile,
      'services.proxy',
      'with a proxy section, "proxy" names its log (devstack logs proxy)',
      'rename the service',
    );
  const routes: ResolvedProxyRoute[] = [];
  const seen = new Map<string, string>();
  for (const [written, target] of Object.entries(proxy.routes ?? {})) {
    const field = `proxy.routes.${written}`;
    const prefix = written === '/' ? '/' : written.replace(/\/+$/, '');
    const earlier = seen.get(prefix);
    if (earlier !== undefined) throw configError(displayFile, field, `the same prefix as "${earlier}"`, 'keep one of the two routes');
    seen.set(prefix, written);
    const route = typeof target === 'string' ? { service: target } : target;
    httpService(displayFile, field, route.service, services);
    routes.push({ prefix, service: route.service, stripPrefix: route.stripPrefix ?? false });
  }
  routes.sort((a, b) => b.prefix.length - a.prefix.length);

  const hosts: Record<string, string> = {};
  for (const service of services) {
    const port = service.ports[0];
    if (port !== undefined && HTTP_SCHEMES.includes(port.scheme)) hosts[`${service.name.toLowerCase()}.localhost`] = service.name;
  }
  for (const [host, name] of Object.entries(proxy.hosts ?? {})) {
    const field = `proxy.hosts.${host}`;
    httpService(displayFile, field, name, services);
    const owner = hosts[host];
    if (owner !== undefined && owner !== name)
      throw configError(displayFile, field, `${host} is already service "${owner}"'s own host name`, 'choose another host name');
    hosts[host] = name;
  }

  const port = proxy.port ?? DEFAULT_PROXY_PORT;
  if (port !== 'auto') {
    const holder = services.find((service) => service.ports.some((entry) => entry.port === port));
    if (holder !== undefined)
      throw configError(
        displayFile,
        'proxy.port',
        `port ${port} is already service "${holder.name}"'s`,
        "choose another port for the proxy, or 'auto'",
      );
  }
  return {
    port,
    routes,
    hosts,
    holdTimeoutMs: proxy.holdTimeout === undefined ? 30_000 : parseDurationMs(proxy.holdTimeout)!,
    maxHeld: proxy.maxHeld ?? 1000,
    accessLog: proxy.accessLog ?? true,
    https: resolveHttps(proxy, root, displayFile),
    engine: proxy.engine ?? 'auto',
  };
}
