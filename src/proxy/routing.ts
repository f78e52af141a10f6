/**
 * Pure: which service a request is for. Host routes first (`api.localhost:8080`, and the configured
 * host names), then the longest matching path prefix (`/api` matches `/api`, `/api/…` and
 * `/api?…`, not `/apix`), with the prefix removed when the route says so.
 */
import type { ResolvedProxy } from '../config/resolved.js';

export interface Route {
  readonly service: string;
  /** The path and query to send on. */
  readonly path: string;
}

export function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name.toLowerCase().replace(/\.$/, '');
}

function matches(prefix: string, url: string): boolean {
  if (prefix === '/') return true;
  if (!url.startsWith(prefix)) return false;
  const next = url.charAt(prefix.length);
  return next === '' || next === '/' || next === '?';
}

export function routeOf(proxy: ResolvedProxy, host: string | undefined, url: string): Route | undefined {
  const name = hostNameOf(host);
  const byHost = name === undefined ? undefined : proxy.hosts[name];
  if (byHost !== undefined) return { service: byHost, path: url };
  const route = proxy.routes.find((candidate) => matches(candidate.prefix, url));
  if (route === undefined) return undefined;
  if (!route.stripPrefix || route.prefix === '/') return { service: route.service, path: url };
  const rest = url.slice(route.prefix.length);
  return { service: route.service, path: rest.startsWith('/') ? rest : `/${rest}` };
}
