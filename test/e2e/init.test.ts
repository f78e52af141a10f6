// `devstack init` on repositories shaped like the founding documents' (test/fixtures/repos) and on
// the example stack: it writes a config that loads, says what it found, never overwrites without
// --force, and what it writes runs — `devstack init && devstack up`.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withExampleStack } from '../helpers/example-lock.js';
import { exec } from '../helpers/package.js';
import { processesUnder } from '../helpers/processes.js';
import { BIN, freePort, REPO_ROOT } from '../helpers/project.js';

const REPOS = join(REPO_ROOT, 'test', 'fixtures', 'repos');
const folders: string[] = [];

afterEach(async () => {
  for (const dir of folders.splice(0)) {
    if (existsSync(join(dir, 'services.config.ts'))) await devstack(dir, ['down']);
    expect(processesUnder(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A copy of a fixture repository; its services use this repository's node_modules (pg, the example's workspaces). */
function copyOf(source: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-init-'));
  folders.push(dir);
  cpSync(source, dir, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function devstack(cwd: string, args: string[], env: Record<string, string> = {}) {
  return exec(process.execPath, [BIN, ...args], cwd, env);
}

/** Each service's (and database's) dependsOn, from `devstack init --print` turned into data by loading it. */
async function dependencyGraph(dir: string): Promise<Record<string, string[]>> {
  const script = `import { loadConfig } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'config', 'load.js'))};
    const config = await loadConfig({ cwd: ${JSON.stringify(dir)} });
    console.log(JSON.stringify(Object.fromEntries(config.services.map((s) => [s.name, [...s.dependsOn].sort()]))));`;
  const result = await exec(process.execPath, ['--input-type=module', '-e', script], dir);
  return JSON.parse(result.stdout) as Record<string, string[]>;
}

describe('devstack init', () => {
  it(
    'on the example stack: the same services and dependencies as its hand-written config, and it runs',
    () =>
      withExampleStack(async () => {
        const dir = copyOf(join(REPO_ROOT, 'examples'), {
          'package.json': JSON.stringify({ name: 'shop', private: true, workspaces: ['packages/*', 'services/*', 'apps/*'] }),
        });
        rmSync(join(dir, 'e2e'), { recursive: true });
        const init = await devstack(dir, ['init']);
        expect(init.code, init.stderr).toBe(0);
        expect(init.stdout).toMatch(/^devstack: wrote services\.config\.ts: 6 services, 3 databases\n/);
        expect(init.stdout).toContain('@example/service-kit (packages/service-kit): no dev or start script, not a service');
        expect(init.stdout).toContain('redis: redis, because order-service uses it (it reads REDIS_URL)');

        // The hand-written config names its RabbitMQ "broker"; init names it after its engine.
        expect(await dependencyGraph(dir)).toEqual({
          rabbitmq: [],
          postgres: [],
          redis: [],
          web: ['notification-service', 'order-service'],
          'auth-service': [],
          'catalog-service': [],
          'notification-service': ['rabbitmq'],
          'order-service': ['catalog-service', 'postgres', 'rabbitmq', 'redis', 'user-service'],
          'user-service': ['auth-service'],
        });
        expect(readFileSync(join(dir, 'services.config.ts'), 'utf8')).toContain("init: 'db/postgres-init',");

        const up = await devstack(dir, ['up', '--wait', '--timeout', '2m']);
        expect(up.code, up.stdout + up.stderr).toBe(0);
        const ps = JSON.parse((await devstack(dir, ['ps', '--json'])).stdout) as { name: string; state: string }[];
        expect(ps.filter((row) => row.state !== 'ready').map((row) => row.name)).toEqual([]);
        // The page travels through four services and Postgres (seeded by the init scripts init found).
        const web = (JSON.parse((await devstack(dir, ['ps', '--json'])).stdout) as { name: string; port: number }[]).find(
          (row) => row.name === 'web',
        )!;
        expect(await (await fetch(`http://127.0.0.1:${web.port}/`)).text()).toContain('Orders of Ada Lovelace (pro)');
      }),
    300_000,
  ); // with its turn at the example stack's lock (its services keep their fixed ports)

  it('on a Compose file with .env variables, healthchecks and a migration: runs it natively, migration first', async () => {
    const [pgPort, apiPort] = [await freePort(), await freePort()];
    const dir = copyOf(join(REPOS, 'pipeline'));
    const env = { PG_PORT: String(pgPort), API_PORT: String(apiPort) };
    const init = await devstack(dir, ['init'], env);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('devstack: wrote services.config.ts: 2 services, 1 database, 1 container');
    const config = readFileSync(join(dir, 'services.config.ts'), 'utf8');
    // From the project's .env, as Compose resolves it; the image's version is left as a comment.
    expect(config).toContain("user: 'clinic',\n      password: 'clinic-dev',\n      database: 'dr_assistant',");
    expect(config).toContain("// version: '14',");
    expect(config).toContain("DB_PORT: '${services.postgres.port}', // was 5432 in docker-compose.yml, beside DB_HOST");
    expect(config).toContain("command: 'npm run migrate', // its command in docker-compose.yml\n      type: 'task',");
    expect(config).toContain("profiles: ['production'],");
    expect(await dependencyGraph(dir)).toMatchObject({
      api_gateway: ['migrate', 'postgres'],
      migrate: ['postgres'],
      frontend_web: ['api_gateway'],
    });

    const up = await devstack(dir, ['up', '--wait', '--timeout', '2m'], env);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    // The table exists: the migration ran, against the database Compose's variables named.
    expect(await (await fetch(`http://127.0.0.1:${apiPort}/`)).text()).toBe('visit 1');
  }, 120_000);

  it('on a seed-shaped Compose file: databases from images, host names rewritten, what it cannot carry said', async () => {
    const dir = copyOf(join(REPOS, 'clinic'));
    const init = await devstack(dir, ['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('devstack: wrote services.config.ts: 3 services, 3 databases, 1 container');
    expect(init.stdout).toContain('packages: 3 from package.json files');
    const config = readFileSync(join(dir, 'services.config.ts'), 'utf8');
    expect(config).toContain('// not carried over: bind mount /var/run/docker.sock → /var/run/docker.sock');
    expect(config).toContain('nodemon restarts it on changes by itself');
    // What user-service really gets: the Compose host names now point at devstack's services.
    const env = JSON.parse((await devstack(dir, ['env', 'user-service', '--json'])).stdout) as Record<string, { value: string }>;
    expect(env['DB_URI']?.value).toBe('mongodb://127.0.0.1:27017/users');
    expect(env['AUTH_SERVICE_URL']?.value).toBe('http://127.0.0.1:8001');
    expect(env['REDIS_URL']?.value).toBe('redis://127.0.0.1:6379');
    expect(env['PORT']?.value).toBe('8002');
    expect(await dependencyGraph(dir)).toMatchObject({ 'user-service': ['auth-service', 'mongo', 'redis'], frontend: ['user-service'] });
  });

  it('on a platform of containers: brokers and search engines as containers, a Vite app native with its port passed', async () => {
    const dir = copyOf(join(REPOS, 'platform'));
    const init = await devstack(dir, ['init']);
    expect(init.code, init.stderr).toBe(0);
    const config = readFileSync(join(dir, 'services.config.ts'), 'utf8');
    expect(config).toContain("KAFKA_ZOOKEEPER_CONNECT: '${services.zookeeper.host}:2181'");
    expect(config).toContain('management: true,');
    expect(config).toContain("'discovery.type': 'single-node',");
    expect(config).toContain("health: 'http://127.0.0.1:${port}/_cluster/health', // from its healthcheck");
    expect(config).toContain("build: 'services/auth-service',");
    expect(config).toContain('command: \'npm run dev -- --port $PORT\', // its "dev" script: vite (Vite)');
    expect(config).toContain('its command in docker-compose.yml: redis-server --requirepass development (not carried over');
  });

  it('never overwrites without --force, prints with --print, and says when there is nothing to run', async () => {
    const dir = copyOf(join(REPOS, 'clinic'));
    writeFileSync(join(dir, 'services.config.ts'), '// mine\n');
    const refused = await devstack(dir, ['init']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: services.config.ts already exists; devstack init does not overwrite it\nhint: pass --force to replace it, or --print to see what init would write\n',
    );
    expect(readFileSync(join(dir, 'services.config.ts'), 'utf8')).toBe('// mine\n');
    const printed = await devstack(dir, ['init', '--print']);
    expect(printed.stdout).toMatch(/^\/\/ Written by `devstack init`/);
    expect(readFileSync(join(dir, 'services.config.ts'), 'utf8')).toBe('// mine\n');
    expect((await devstack(dir, ['init', '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'services.config.ts'), 'utf8')).toContain("import { defineConfig } from 'devstack';");

    const empty = mkdtempSync(join(tmpdir(), 'devstack-init-empty-'));
    folders.push(empty);
    const nothing = await devstack(empty, ['init']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('error: devstack init found nothing to run here');
    const missing = await devstack(empty, ['init', '--compose', 'nope.yml']);
    expect(missing.stderr).toContain('error: --compose: nope.yml not found');
  });
});
