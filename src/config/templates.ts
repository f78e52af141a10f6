/**
 * References inside config strings (env values, health URLs and TCP targets):
 *   ${port}                      this service's port (fixed or auto-assigned)
 *   ${services.<name>.url}       http://127.0.0.1:<port of name> (a database's own URL: postgres://…, redis://…)
 *   ${services.<name>.port|host}
 *   ${VAR} / ${VAR:-default}     a variable of the layers below (devstack's environment, .env files)
 * Write them in plain quotes in services.config.ts ('${port}'), not in a JS template literal.
 */
import type { ResolvedDatabase, ResolvedService } from './resolved.js';

export type TemplateRef =
  | { readonly type: 'own-port' }
  | { readonly type: 'service'; readonly service: string; readonly field: 'url' | 'port' | 'host' }
  | { readonly type: 'env'; readonly name: string };

export const SERVICE_FIELDS = ['url', 'port', 'host'] as const;
const ENV_NAME = /^[A-Za-z_]\w*$/;

/** Parses the inside of `${…}` (without any `:-default`); a string when it is not a valid reference. */
export function parseTemplateRef(inside: string): TemplateRef | { readonly type: 'invalid'; readonly problem: string } {
  const name = inside.split(':-')[0]!;
  if (name === 'port') return { type: 'own-port' };
  if (name.startsWith('services.')) {
    const rest = name.slice('services.'.length);
    const dot = rest.lastIndexOf('.');
    const field = rest.slice(dot + 1);
    if (dot <= 0 || !(SERVICE_FIELDS as readonly string[]).includes(field)) {
      return { type: 'invalid', problem: `expected \${services.<name>.url}, .port or .host, got \${${inside}}` };
    }
    return { type: 'service', service: rest.slice(0, dot), field: field as (typeof SERVICE_FIELDS)[number] };
  }
  if (ENV_NAME.test(name)) return { type: 'env', name };
  return { type: 'invalid', problem: `expected \${port}, \${services.<name>.url} or \${VARIABLE}, got \${${inside}}` };
}

/** The `${…}` insides found in a string. */
export function templateRefsIn(value: string): string[] {
  return [...value.matchAll(/(?<!\\)\$\{([^}]*)\}/g)].map((match) => match[1]!);
}

export const LOCAL_HOST = '127.0.0.1';

export function serviceUrl(port: number): string {
  return `http://${LOCAL_HOST}:${port}`;
}

/** `postgres://user:password@127.0.0.1:port/database`, `mysql://…` likewise, or `redis://[:password@]127.0.0.1:port`. */
export function databaseUrl(database: ResolvedDatabase, port: number, databaseName: string | undefined = database.database): string {
  const password = database.password === undefined || database.password === '' ? '' : `:${encodeURIComponent(database.password)}`;
  if (database.engine === 'redis') return `redis://${password === '' ? '' : `${password}@`}${LOCAL_HOST}:${port}`;
  const scheme = database.engine === 'postgres' ? 'postgres' : 'mysql'; // mariadb clients read mysql:// URLs
  return `${scheme}://${encodeURIComponent(database.user)}${password}@${LOCAL_HOST}:${port}/${encodeURIComponent(databaseName ?? database.user)}`;
}

/** What `${services.<name>.url}` and `<NAME>_URL` mean: a database's URL, or a service's http URL. */
export function urlOf(service: ResolvedService, port: number): string {
  return service.database === undefined ? serviceUrl(port) : databaseUrl(service.database, port);
}

/** The conventional variable an engine's client libraries read. */
export const CONVENTIONAL_URL_VARIABLE = {
  postgres: 'DATABASE_URL',
  redis: 'REDIS_URL',
  mysql: 'DATABASE_URL',
  mariadb: 'DATABASE_URL',
} as const;

/** `auth-service` → `AUTH_SERVICE` (for AUTH_SERVICE_URL / AUTH_SERVICE_PORT). */
export function envPrefix(serviceName: string): string {
  return serviceName.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
