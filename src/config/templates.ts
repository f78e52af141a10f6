/**
 * References inside config strings (env values, health URLs and TCP targets):
 *   ${port}                      this service's port (fixed or auto-assigned)
 *   ${services.<name>.url}       http://127.0.0.1:<port of name>
 *   ${services.<name>.port|host}
 *   ${VAR} / ${VAR:-default}     a variable of the layers below (devstack's environment, .env files)
 * Write them in plain quotes in services.config.ts ('${port}'), not in a JS template literal.
 */
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

/** `auth-service` → `AUTH_SERVICE` (for AUTH_SERVICE_URL / AUTH_SERVICE_PORT). */
export function envPrefix(serviceName: string): string {
  return serviceName.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
