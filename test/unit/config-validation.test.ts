import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstProblem } from '../../src/config/format-issues.js';
import { loadConfig } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateUserConfig } from '../../src/config/schema.js';
import { isDevstackError } from '../../src/errors.js';

/** The one-line message a config produces, as `devstack` would print it. */
function messageFor(config: unknown): string {
  const parsed = validateUserConfig(config);
  if (!parsed.ok) return `services.config.ts: ${firstProblem(parsed.error).message}`;
  try {
    resolveConfig({ config: parsed.value, file: '/project/services.config.ts', displayFile: 'services.config.ts' });
    return 'valid';
  } catch (error) {
    if (isDevstackError(error)) return error.message;
    throw error;
  }
}

const service = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ command: 'node server.js', ...extra });

describe('config validation messages', () => {
  it.each([
    [
      'unknown dependency with a suggestion',
      { services: { postgres: service(), 'user-service': service({ dependsOn: ['postgress'] }) } },
      'services.config.ts: services.user-service.dependsOn[0]: unknown service "postgress" — did you mean "postgres"?',
    ],
    [
      'misspelt field',
      { services: { api: service({ dependOn: [] }) } },
      'services.config.ts: services.api: unknown field "dependOn" — did you mean "dependsOn"?',
    ],
    ['misspelt top-level field', { servics: {} }, 'services.config.ts: unknown field "servics" — did you mean "services"?'],
    [
      'proxy route to an unknown service',
      { services: { web: service({ port: 3000 }) }, proxy: { routes: { '/': 'wbe' } } },
      'services.config.ts: proxy.routes./: unknown service "wbe" — did you mean "web"?',
    ],
    [
      'proxy route to a service without a port',
      { services: { worker: service() }, proxy: { routes: { '/jobs': 'worker' } } },
      'services.config.ts: proxy.routes./jobs: service "worker" has no port to proxy to',
    ],
    [
      'two proxy routes with one prefix',
      { services: { a: service({ port: 3000 }), b: service({ port: 3001 }) }, proxy: { routes: { '/api': 'a', '/api/': 'b' } } },
      'services.config.ts: proxy.routes./api/: the same prefix as "/api"',
    ],
    [
      'a proxy route that is no path',
      { services: { a: service({ port: 3000 }) }, proxy: { routes: { api: 'a' } } },
      "services.config.ts: proxy.routes.api: expected routes by path prefix (starting with /), such as { '/api': 'backend', '/': 'web' }, got \"api\"",
    ],
    [
      'a proxy route to a database',
      { services: { a: service({ port: 3000 }) }, databases: { db: { engine: 'postgres' } }, proxy: { routes: { '/': 'db' } } },
      'services.config.ts: proxy.routes./: "db" speaks postgres, not HTTP',
    ],
    [
      "the proxy on a service's port",
      { services: { a: service({ port: 8080 }) }, proxy: { routes: { '/': 'a' } } },
      'services.config.ts: proxy.port: port 8080 is already service "a"\'s',
    ],
    [
      "the dashboard on a service's port",
      { services: { a: service({ port: 7000 }) }, dashboard: { port: 7000 } },
      'services.config.ts: dashboard.port: port 7000 is already service "a"\'s',
    ],
    [
      "the dashboard on the proxy's port",
      { services: { a: service({ port: 3000 }) }, proxy: { routes: { '/': 'a' } }, dashboard: { port: 8080 } },
      "services.config.ts: dashboard.port: port 8080 is already the proxy's",
    ],
    [
      'a dashboard that is neither on, off nor a port',
      { services: { a: service() }, dashboard: 'yes' },
      'services.config.ts: dashboard: expected true, false or { port: 7410 | \'auto\' }, got "yes"',
    ],
    [
      "a custom host that is another service's",
      { services: { a: service({ port: 3000 }), b: service({ port: 3001 }) }, proxy: { hosts: { 'b.localhost': 'a' } } },
      'services.config.ts: proxy.hosts.b.localhost: b.localhost is already service "b"\'s own host name',
    ],
    [
      'missing command',
      { services: { api: {} } },
      'services.config.ts: services.api.command: expected a non-empty command string or argv array, got nothing',
    ],
    [
      'empty command',
      { services: { api: { command: '  ' } } },
      'services.config.ts: services.api.command: expected a non-empty command string or argv array, got "  "',
    ],
    [
      'empty argv',
      { services: { api: { command: [] } } },
      'services.config.ts: services.api.command: expected a non-empty command string or argv array, got an empty array',
    ],
    [
      'port out of range',
      { services: { api: service({ port: 70000 }) } },
      'services.config.ts: services.api.port: expected an integer port from 1 to 65535, got 70000',
    ],
    [
      'port as string',
      { services: { api: service({ port: '3000' }) } },
      'services.config.ts: services.api.port: expected a port number from 1 to 65535 or \'auto\', got "3000"',
    ],
    [
      'fractional port',
      { services: { api: service({ port: 80.5 }) } },
      "services.config.ts: services.api.port: expected a port number from 1 to 65535 or 'auto', got 80.5",
    ],
    [
      'tcp port out of range',
      { services: { api: service({ health: { tcp: 0 } }) } },
      'services.config.ts: services.api.health.tcp: expected an integer port from 1 to 65535, got 0',
    ],
    [
      'unknown service in a template',
      { services: { 'auth-service': service({ port: 1 }), api: service({ env: { AUTH: '${services.auth-servce.url}/v1' } }) } },
      'services.config.ts: services.api.env.AUTH: unknown service "auth-servce" in ${services.auth-servce.url} — did you mean "auth-service"?',
    ],
    [
      'unknown template field',
      { services: { db: service({ port: 1 }), api: service({ env: { DB: '${services.db.address}' } }) } },
      'services.config.ts: services.api.env.DB: expected ${services.<name>.url}, .port, .host, .urls.<port> or .ports.<port>, ${databases.<name>.url[.<database>]} or ${ports.<port>}, got ${services.db.address}',
    ],
    [
      '${port} without a port',
      { services: { api: service({ health: 'http://127.0.0.1:${port}/health' }) } },
      'services.config.ts: services.api.health.http: ${port} needs a port, but service "api" has none',
    ],
    [
      'url of a service without a port',
      { services: { worker: service(), api: service({ env: { W: '${services.worker.url}' } }) } },
      'services.config.ts: services.api.env.W: ${services.worker.url} needs a port, but service "worker" has none',
    ],
    [
      'malformed template',
      { services: { api: service({ env: { X: '${not valid}' } }) } },
      'services.config.ts: services.api.env.X: expected ${port}, ${services.<name>.url} or ${VARIABLE}, got ${not valid}',
    ],
    [
      'bad profile name',
      { services: { api: service({ profiles: ['a b'] }) } },
      'services.config.ts: services.api.profiles[0]: expected a profile name, got "a b"',
    ],
    [
      'bad signal',
      { services: { api: service({ stopSignal: 'SIGFOO' }) } },
      "services.config.ts: services.api.stopSignal: expected a signal name such as 'SIGTERM' or 'SIGINT', got \"SIGFOO\"",
    ],
    [
      'bad duration',
      { services: { api: service({ stopTimeout: '2 days' }) } },
      "services.config.ts: services.api.stopTimeout: expected a duration such as 500, '500ms', '2s' or '1m', got \"2 days\"",
    ],
    [
      'bad health URL',
      { services: { api: service({ health: 'ftp://x' }) } },
      'services.config.ts: services.api.health: expected an http:// or https:// URL, got "ftp://x"',
    ],
    [
      'health kind typo',
      { services: { api: service({ health: { htp: 'http://a' } }) } },
      'services.config.ts: services.api.health: unknown field "htp" — did you mean "http"?',
    ],
    [
      'health wrong type inside',
      { services: { api: service({ health: { http: 123 } }) } },
      'services.config.ts: services.api.health.http: expected a string, got 123',
    ],
    [
      'health timing typo',
      { services: { api: service({ health: { tcp: 80, intervl: 5 } }) } },
      'services.config.ts: services.api.health: unknown field "intervl" — did you mean "interval"?',
    ],
    [
      'health not an object',
      { services: { api: service({ health: 5 }) } },
      'services.config.ts: services.api.health: expected a URL or an object with one of "http", "tcp", "log", "command", got 5',
    ],
    [
      'invalid log pattern',
      { services: { api: service({ health: { log: '(' } }) } },
      'services.config.ts: services.api.health.log: expected a valid regular expression, got "("',
    ],
    [
      'bad status class',
      { services: { api: service({ health: { http: 'http://a/', expectStatus: ['6xx'] } }) } },
      'services.config.ts: services.api.health.expectStatus[0]: expected a status code (100-599) or a class such as \'2xx\', got "6xx"',
    ],
    [
      'env value object',
      { services: { api: service({ env: { A: {} } }) } },
      'services.config.ts: services.api.env.A: expected a string, number or boolean, got an object',
    ],
    [
      'watch wrong type',
      { services: { api: service({ watch: 'yes' }) } },
      'services.config.ts: services.api.watch: expected true, a list of paths, or { paths, ignore, debounceMs }, got "yes"',
    ],
    ['not an object', 42, 'services.config.ts: config: expected an object: export default defineConfig({ services: { … } }), got 42'],
    ['no services', { services: {} }, 'services.config.ts: services: expected at least one service, got an empty object'],
    [
      'self dependency',
      { services: { api: service({ dependsOn: ['api'] }) } },
      'services.config.ts: services.api.dependsOn[0]: service "api" cannot depend on itself',
    ],
    [
      'duplicate dependency',
      { services: { a: service(), api: service({ dependsOn: ['a', 'a'] }) } },
      'services.config.ts: services.api.dependsOn[1]: "a" is listed twice',
    ],
    [
      'duplicate port',
      { services: { a: service({ port: 80 }), b: service({ port: 80 }) } },
      'services.config.ts: services.b.port: port 80 is already used by service "a"',
    ],
    [
      'bad service name',
      { services: { 'my service': service() } },
      'services.config.ts: services.my service: expected a service name of letters, digits, ".", "_" or "-", got "my service"',
    ],
    [
      'reserved name',
      { services: { devstack: service() } },
      'services.config.ts: services.devstack: "devstack" is reserved: devstack\'s own files in the logs folder are named devstack.*',
    ],
    [
      "a name that shares devstack's own files",
      { services: { 'devstack.stderr': service() } },
      'services.config.ts: services.devstack.stderr: "devstack.stderr" is reserved: devstack\'s own files in the logs folder are named devstack.*',
    ],
    [
      'two names that inject the same variables',
      { services: { 'a-b': service({ port: 1 }), 'a.b': service({ port: 2 }) } },
      'services.config.ts: services.a.b: "a.b" and "a-b" would both be injected as A_B_URL and A_B_PORT',
    ],
    [
      'a NUL byte in an env value',
      { services: { api: service({ env: { TOKEN: 'a\u0000b' } }) } },
      'services.config.ts: services.api.env.TOKEN: expected text without NUL bytes, got "a\\u0000b"',
    ],
    [
      'a NUL byte in an argv',
      { services: { api: service({ command: ['node', 'x\u0000.js'] }) } },
      'services.config.ts: services.api.command[1]: expected text without NUL bytes, got "x\\u0000.js"',
    ],
    [
      'a duration past what a timer holds',
      { services: { api: service({ health: { http: 'http://127.0.0.1:1/', readyTimeout: '1000h' } }) } },
      'services.config.ts: services.api.health.readyTimeout: expected a duration of at most 24 days, got "1000h"',
    ],
    [
      'an unknown database field that contains the right one',
      { services: { api: service() }, databases: { db: { engine: 'postgres', createDatabases: ['x'] } } },
      'services.config.ts: databases.db: unknown field "createDatabases" — did you mean "databases"?',
    ],
    [
      'a bad log rotation size',
      { services: { api: service() }, logRotation: { maxSize: 'big' } },
      "services.config.ts: logRotation.maxSize: expected a size such as 10485760, '512kb', '20mb' or '1gb' (at least 1kb), got \"big\"",
    ],
    [
      'cycle spelled out',
      { services: { a: service({ dependsOn: ['b'] }), b: service({ dependsOn: ['c'] }), c: service({ dependsOn: ['a'] }) } },
      'services.config.ts: services.a.dependsOn: dependency cycle a → b → c → a',
    ],
  ])('%s', (_name, config, expected) => {
    expect(messageFor(config)).toBe(expected);
  });

  it('accepts every documented form', () => {
    expect(
      messageFor({
        logsDir: 'var/logs',
        services: {
          db: { command: ['postgres', '-D', 'data'], health: { command: 'pg_isready', interval: '1s' }, stopSignal: 'SIGINT' },
          api: service({
            port: 3000,
            health: 'http://127.0.0.1:${port}/health',
            dependsOn: ['db'],
            env: { A: 1, B: true, C: 'x' },
            stopTimeout: '2s',
            watch: true,
          }),
          web: service({ health: { http: 'http://127.0.0.1:3001/', expectStatus: ['2xx', 401], readyTimeout: 30000 }, watch: ['src'] }),
          worker: service({ health: { log: /ready/ }, watch: { paths: ['src'], ignore: ['*.tmp'], debounceMs: 50 } }),
          tcp: service({ health: { tcp: 'localhost:6379', startPeriod: '500ms' } }),
          auto: service({
            port: 'auto',
            profiles: ['extra'],
            health: { tcp: '127.0.0.1:${port}' },
            env: { DB: '${services.db.host}', U: '${services.api.url}/x', V: '${HOME:-/root}' },
          }),
        },
      }),
    ).toBe('valid');
  });

  it('resolves defaults and paths', () => {
    const parsed = validateUserConfig({
      services: { api: service({ cwd: 'apps/api', health: 'http://127.0.0.1:3000/h', stopTimeout: '2s', watch: true }) },
    });
    if (!parsed.ok) throw new Error('expected valid');
    const resolved = resolveConfig({ config: parsed.value, file: '/project/services.config.ts', displayFile: 'services.config.ts' });
    const api = resolved.services[0]!;
    expect(resolved.logsDir).toBe('/project/logs');
    expect(api.cwd).toBe('/project/apps/api');
    expect(api.command).toEqual({ type: 'argv', file: 'node', args: ['server.js'] });
    expect(api.stopSignal).toBe('SIGTERM');
    expect(api.stopTimeoutMs).toBe(2000);
    expect(api.health).toMatchObject({ type: 'http', intervalMs: 1000, timeoutMs: 2000, readyTimeoutMs: 60000, startPeriodMs: 0 });
    expect(api.health?.type === 'http' && api.health.expectStatus).toEqual([
      { min: 200, max: 299 },
      { min: 300, max: 399 },
    ]);
    expect(api.watch).toEqual({ paths: ['/project/apps/api'], ignore: [], debounceMs: 50, workspace: true });
    // The dashboard: on by default, on 7410 or a free port when that is taken; a given port must be free.
    expect(resolved.dashboard).toEqual({ port: 7410, fallback: true });
    const resolve = (dashboard: unknown) => {
      const valid = validateUserConfig({ services: { api: service() }, dashboard });
      if (!valid.ok) throw new Error('expected valid');
      return resolveConfig({ config: valid.value, file: '/p/services.config.ts', displayFile: 'services.config.ts' }).dashboard;
    };
    expect(resolve(false)).toBeUndefined();
    expect(resolve(true)).toEqual({ port: 7410, fallback: true });
    expect(resolve({ port: 'auto' })).toEqual({ port: 'auto', fallback: false });
    expect(resolve({ port: 9000 })).toEqual({ port: 9000, fallback: false });
  });
});

describe('loading services.config files', () => {
  const project = (file: string, text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'devstack-config-'));
    writeFileSync(join(dir, file), text);
    return dir;
  };
  const loadError = async (dir: string, configPath?: string): Promise<string> => {
    try {
      await loadConfig(configPath === undefined ? { cwd: dir } : { cwd: dir, configPath });
      return 'loaded';
    } catch (error) {
      if (isDevstackError(error)) return error.message;
      throw error;
    }
  };

  it('loads a TypeScript config that imports defineConfig from devstack', async () => {
    const dir = project(
      'services.config.ts',
      "import { defineConfig } from 'devstack';\nconst port: number = 3000;\nexport default defineConfig({ services: { api: { command: 'node a.js', port } } });\n",
    );
    const config = await loadConfig({ cwd: dir });
    expect(config.services.map((s) => [s.name, s.ports[0]?.port])).toEqual([['api', 3000]]);
  });

  it('finds the config by walking up from a subfolder, and loads .mjs', async () => {
    const dir = project('services.config.mjs', "export default { services: { api: { command: 'node a.js' } } };\n");
    const nested = join(dir, 'apps', 'api');
    (await import('node:fs')).mkdirSync(nested, { recursive: true });
    const config = await loadConfig({ cwd: nested });
    expect(config.file).toBe(join(dir, 'services.config.mjs'));
    expect(config.displayFile).toBe(join(dir, 'services.config.mjs'));
  });

  it('reports a TypeScript syntax error with its position', async () => {
    const dir = project('services.config.ts', "export default { services: { a: { command: 'x' as number, } }\n");
    expect(await loadError(dir)).toBe('services.config.ts: syntax error (line 2, column 1): Unexpected token, expected ","');
  });

  it('reports an exception thrown by the config', async () => {
    const dir = project('services.config.ts', "throw new Error('no DATABASE_URL set');\n");
    expect(await loadError(dir)).toBe('services.config.ts: error while loading: no DATABASE_URL set');
  });

  it('reports a missing default export', async () => {
    const dir = project('services.config.ts', 'export const services = {};\n');
    expect(await loadError(dir)).toBe('services.config.ts: expected a default export, got nothing');
  });

  it('reports a missing config and a wrong -c path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devstack-config-'));
    expect(await loadError(dir)).toBe(`no services.config.ts found in ${dir} or any parent folder`);
    expect(await loadError(dir, 'nope.ts')).toBe('config file not found: nope.ts');
  });
});
