// Databases in services.config.ts: validation messages, defaults, and what dependents get injected.
import { describe, expect, it } from 'vitest';
import { environmentOf, resolveOrMessage } from '../helpers/config.js';
import type { ResolvedConfig } from '../../src/config/resolved.js';
import { urlOf, type PortPlan } from '../../src/config/templates.js';
import type { ResolvedService } from '../../src/config/resolved.js';

/** A run's ports: each service's main port (named as the resolved config names it). */
function plan(config: ResolvedConfig, entries: [string, number][]): PortPlan {
  return new Map(entries.map(([name, port]) => [name, new Map([[config.services.find((s) => s.name === name)!.ports[0]!.name, port]])]));
}

const urlAt = (service: ResolvedService, port: number): string | undefined => urlOf(service, new Map([[service.ports[0]!.name, port]]));
import { maskUrl as maskUrlPassword } from '../../src/util/secrets.js';

const resolve = resolveOrMessage;

const api = { command: 'node api.js' };

describe('database config messages', () => {
  it.each([
    [
      'unknown engine',
      { databases: { db: { engine: 'postgress' } }, services: { api } },
      "services.config.ts: databases.db.engine: expected 'postgres', 'redis', 'mysql', 'mariadb', 'rabbitmq' or 'mongodb', got \"postgress\"",
    ],
    [
      'mysql embedded',
      { databases: { db: { engine: 'mysql', mode: 'embedded' } }, services: { api } },
      'services.config.ts: databases.db.mode: mysql has no embedded package',
    ],
    [
      'misspelt field',
      { databases: { db: { engine: 'postgres', pasword: 'x' } }, services: { api } },
      'services.config.ts: databases.db: unknown field "pasword" — did you mean "password"?',
    ],
    [
      'bad mode',
      { databases: { db: { engine: 'redis', mode: 'docker' } }, services: { api } },
      "services.config.ts: databases.db.mode: expected 'auto', 'native', 'embedded' or 'container', got \"docker\"",
    ],
    [
      'bad database name',
      { databases: { db: { engine: 'postgres', databases: ['a b'] } }, services: { api } },
      'services.config.ts: databases.db.databases[0]: expected a database name of letters, digits, "_", "$" or "-" (at most 63), got "a b"',
    ],
    [
      'bad version',
      { databases: { db: { engine: 'postgres', version: 'latest' } }, services: { api } },
      "services.config.ts: databases.db.version: expected a version such as '15' or '7.2', got \"latest\"",
    ],
    [
      'redis with databases',
      { databases: { cache: { engine: 'redis', databases: ['a'] } }, services: { api } },
      'services.config.ts: databases.cache.databases: redis has no named databases',
    ],
    [
      'redis embedded',
      { databases: { cache: { engine: 'redis', mode: 'embedded' } }, services: { api } },
      'services.config.ts: databases.cache.mode: redis has no embedded package',
    ],
    [
      'name shared with a service',
      { databases: { api: { engine: 'redis' } }, services: { api } },
      'services.config.ts: databases.api: "api" is also the name of a service',
    ],
    [
      'two databases on one port',
      { databases: { a: { engine: 'redis' }, b: { engine: 'redis' } }, services: { api } },
      'services.config.ts: databases.b.port: port 6379 is already used by service "a"',
    ],
    [
      'misspelt dependency',
      { databases: { postgres: { engine: 'postgres' } }, services: { api: { ...api, dependsOn: ['postgre'] } } },
      'services.config.ts: services.api.dependsOn[0]: unknown service "postgre" — did you mean "postgres"?',
    ],
  ])('%s', (_name, config, message) => {
    expect(resolve(config)).toBe(message);
  });
});

describe('resolved databases', () => {
  it('defaults: standard port, postgres user and password, main database first, fast shutdown, listed before services', () => {
    const config = resolve({
      databases: { db: { engine: 'postgres', databases: ['identity', 'postgres'] }, cache: { engine: 'redis' } },
      services: { api },
    }) as ResolvedConfig;
    expect(config.services.map((service) => service.name)).toEqual(['db', 'cache', 'api']);
    const [db, cache] = config.services;
    expect(db!.ports).toEqual([{ name: 'postgres', port: 5432, scheme: 'postgres', container: 5432 }]);
    expect(db).toMatchObject({
      stopSignal: 'SIGINT',
      stopTimeoutMs: 30_000,
      health: { type: 'postgres', target: '127.0.0.1:${port}', database: 'postgres' },
    });
    expect(db!.database).toMatchObject({
      engine: 'postgres',
      user: 'postgres',
      password: 'postgres',
      database: 'postgres',
      databases: ['postgres', 'identity'],
      modes: ['native', 'embedded', 'container'],
      image: 'postgres:16',
      dataDir: '/project/.devstack/data/db',
    });
    expect(db!.database!.containerName).toMatch(/^devstack-project-[0-9a-f]{8}-db$/);
    expect(cache!.ports[0]!.port).toBe(6379);
    expect(cache).toMatchObject({ stopSignal: 'SIGTERM', health: { type: 'redis', password: undefined } });
    expect(cache!.database).toMatchObject({ engine: 'redis', database: undefined, databases: [], image: 'redis:7' });
  });

  it('MySQL and MariaDB: root, port 3306, an app database, mysql:// URLs as DATABASE_URL', () => {
    const config = resolve({
      databases: { my: { engine: 'mysql' }, maria: { engine: 'mariadb', port: 3307, password: 'pw' } },
      services: { api: { ...api, dependsOn: ['maria'] } },
    }) as ResolvedConfig;
    const [my, maria] = config.services;
    expect(my!.ports[0]!.port).toBe(3306);
    expect(my).toMatchObject({ stopSignal: 'SIGTERM', health: { type: 'mysql', user: 'root', password: 'mysql' } });
    expect(my!.database).toMatchObject({ user: 'root', database: 'app', databases: ['app'], image: 'mysql:8.4' });
    expect(maria!.database!.image).toBe('mariadb:11');
    expect(urlAt(maria!, 3307)).toBe('mysql://root:pw@127.0.0.1:3307/app');
    expect(environmentOf(config, 'api', plan(config, [['maria', 3307]])).DATABASE_URL).toBe('mysql://root:pw@127.0.0.1:3307/app');
  });

  it('one mode when asked for one, the image tag from the version', () => {
    const config = resolve({
      databases: { db: { engine: 'postgres', mode: 'container', version: '15', init: 'db/init' } },
      services: { api },
    }) as ResolvedConfig;
    expect(config.services[0]!.database).toMatchObject({ modes: ['container'], image: 'postgres:15', init: '/project/db/init' });
  });
});

describe('database URLs', () => {
  it('encodes users and passwords, and masking hides the password', () => {
    const config = resolve({
      databases: {
        db: { engine: 'postgres', user: 'app', password: 'p@ss:w/rd', database: 'shop' },
        cache: { engine: 'redis', password: 'pw' },
      },
      services: { api },
    }) as ResolvedConfig;
    const url = urlAt(config.services[0]!, 5555)!;
    expect(url).toBe('postgres://app:p%40ss%3Aw%2Frd@127.0.0.1:5555/shop');
    expect(maskUrlPassword(url)).toBe('postgres://app:****@127.0.0.1:5555/shop');
    expect(urlAt(config.services[1]!, 6000)).toBe('redis://:pw@127.0.0.1:6000');
  });

  it('injects <NAME>_URL for each database, and DATABASE_URL / REDIS_URL only when unambiguous', () => {
    const config = resolve({
      databases: {
        main: { engine: 'postgres', port: 5001 },
        analytics: { engine: 'postgres', port: 5002, database: 'events' },
        cache: { engine: 'redis', port: 6001 },
      },
      services: {
        one: { ...api, dependsOn: ['main', 'cache'], env: { ALSO: '${services.main.url}' } },
        two: { ...api, dependsOn: ['main', 'analytics'] },
      },
    }) as ResolvedConfig;
    const ports = plan(config, [
      ['main', 5001],
      ['analytics', 5002],
      ['cache', 6001],
    ]);
    const envOf = (name: string): Record<string, string> => environmentOf(config, name, ports);
    const one = envOf('one');
    expect(one).toMatchObject({
      MAIN_URL: 'postgres://postgres:postgres@127.0.0.1:5001/postgres',
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5001/postgres',
      CACHE_URL: 'redis://127.0.0.1:6001',
      REDIS_URL: 'redis://127.0.0.1:6001',
      ALSO: 'postgres://postgres:postgres@127.0.0.1:5001/postgres',
    });
    const two = envOf('two');
    expect(two.ANALYTICS_URL).toBe('postgres://postgres:postgres@127.0.0.1:5002/events');
    expect(two.DATABASE_URL).toBeUndefined();
  });
});
