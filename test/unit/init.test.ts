// The pieces of `devstack init` that read a repository: Compose syntax in all its forms, images to
// engines, names, host rewriting, and what a package's scripts and sources tell.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateCompose, readComposeFile } from '../../src/init/compose-file.js';
import { detectService } from '../../src/init/detect-service.js';
import { rewriteHosts } from '../../src/init/from-compose.js';
import { engineOfImage } from '../../src/init/images.js';
import { serviceNameFrom } from '../../src/init/init-plan.js';
import { tempFolder } from '../helpers/package.js';

describe('Compose interpolation', () => {
  it.each([
    ['${A}', 'a'],
    ['$A-x', 'a-x'],
    ['${MISSING}', ''],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING-fallback}', 'fallback'],
    ['$$A', '$A'],
    ['x${A}y${B}', 'xayb'],
  ])('%s → %s', (input, expected) => {
    expect(interpolateCompose(input, { A: 'a', B: 'b', EMPTY: '' })).toBe(expected);
  });
});

describe('reading a Compose file', () => {
  const root = mkdtempSync(join(tmpdir(), 'devstack-compose-'));
  writeFileSync(join(root, '.env'), 'PG=15432\nUSER_NAME=clinic\n');
  writeFileSync(
    join(root, 'docker-compose.yml'),
    `services:
  db:
    image: postgres:\${PG_VERSION:-16}
    ports: ["127.0.0.1:\${PG}:5432", "6000-6005:6000-6005", 7000, "8000/tcp", { target: 9000, published: 19000 }]
    environment: ["POSTGRES_USER=\${USER_NAME}", "PASSTHROUGH"]
    volumes: ["data:/var/lib/postgresql/data", "./init:/docker-entrypoint-initdb.d:ro", "/tmp/x", { type: bind, source: ./conf, target: /etc/conf }]
  api:
    build: { context: ./services/api }
    env_file: [.env, { path: ./config/api.env }]
    depends_on: { db: { condition: service_healthy }, migrate: { condition: service_completed_successfully }, cache: {} }
    healthcheck: { test: ["CMD-SHELL", "curl -f http://localhost:3000/health"] }
    command: ["node", "server.js"]
    profiles: [full]
  worker:
    build: ./services/api
    depends_on: [db]
    healthcheck: { test: ["CMD", "true"] }
`,
  );
  writeFileSync(join(root, 'docker-compose.override.yml'), 'services:\n  api:\n    environment:\n      EXTRA: "1"\n');
  const read = readComposeFile(join(root, 'docker-compose.yml'), root, {});
  const file = read.ok ? read.value : undefined;
  const service = (name: string) => file!.services.find((candidate) => candidate.name === name)!;

  it('reads every port syntax and says which it cannot carry over', () => {
    expect(service('db').image).toBe('postgres:16');
    expect(service('db').ports).toEqual([
      { host: 15432, container: 5432 },
      { host: undefined, container: 7000 },
      { host: undefined, container: 8000 },
      { host: 19000, container: 9000 },
    ]);
    expect(file!.skipped).toEqual(['db: port "6000-6005:6000-6005" (a range or an unusual form)']);
  });

  it('reads environment lists and maps, env files, volumes of each kind, and the override file', () => {
    expect(service('db').environment).toEqual({ POSTGRES_USER: '${USER_NAME}' });
    expect(service('db').volumes).toEqual([
      { type: 'named', name: 'data', target: '/var/lib/postgresql/data' },
      { type: 'bind', source: 'init', target: '/docker-entrypoint-initdb.d' },
      { type: 'anonymous', target: '/tmp/x' },
      { type: 'bind', source: 'conf', target: '/etc/conf' },
    ]);
    expect(service('api').envFiles).toEqual(['.env', 'config/api.env']);
    expect(service('api').environment).toEqual({ EXTRA: '1' });
  });

  it('reads builds, depends_on conditions, healthchecks, commands and profiles', () => {
    expect(service('api').build).toBe('services/api');
    expect(service('api').dependsOn).toEqual([
      { service: 'db', condition: 'service_healthy' },
      { service: 'migrate', condition: 'service_completed_successfully' },
      { service: 'cache', condition: 'service_started' },
    ]);
    expect(service('api').healthcheck).toEqual(['sh', '-c', 'curl -f http://localhost:3000/health']);
    expect(service('worker').healthcheck).toEqual(['true']);
    expect(service('api').command).toBe('node server.js');
    expect(service('api').profiles).toEqual(['full']);
    expect(service('worker').dependsOn).toEqual([{ service: 'db', condition: 'service_started' }]);
  });

  it('says what is wrong with a file that is not YAML', () => {
    const broken = tempFolder('devstack-compose-bad-', { 'compose.yaml': 'services:\n  api: [unclosed\n' });
    const result = readComposeFile(join(broken, 'compose.yaml'), broken, {});
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(/^compose\.yaml: /);
  });
});

describe('images and names', () => {
  it.each([
    ['postgres:14-alpine', 'postgres', '14'],
    ['docker.io/library/postgres', 'postgres', undefined],
    ['postgis/postgis:15-3.4', 'postgres', '15'],
    ['mysql:8.0', 'mysql', '8.0'],
    ['mariadb:11', 'mariadb', '11'],
    ['redis:7-alpine', 'redis', '7'],
    ['rabbitmq:3-management', 'rabbitmq', '3'],
    ['mongo:latest', 'mongodb', undefined],
    ['registry.local:5000/postgres:14', undefined, undefined],
    ['confluentinc/cp-kafka:7.5.0', undefined, undefined],
  ])('%s → %s %s', (image, engine, version) => {
    const found = engineOfImage(image);
    expect(found?.engine).toBe(engine);
    if (engine !== undefined) expect(found?.version).toBe(version);
  });

  it('makes valid, unique service names', () => {
    expect(serviceNameFrom('@clinic/auth-service', new Set())).toBe('auth-service');
    expect(serviceNameFrom('api', new Set(['api']))).toBe('api-2');
    expect(serviceNameFrom('my app!', new Set())).toBe('my-app-');
    expect(serviceNameFrom('devstack', new Set())).toBe('app-devstack');
  });

  it('rewrites Compose host names in URLs and host:port values, and nothing else', () => {
    const names = new Map([
      ['redis', 'redis'],
      ['auth-service', 'auth'],
      ['zk', 'zk'],
    ]);
    const hasPort = (name: string): boolean => name !== 'zk';
    expect(rewriteHosts('redis://redis:6379/0', names, hasPort)).toEqual({
      value: 'redis://${services.redis.host}:${services.redis.port}/0',
      referenced: ['redis'],
    });
    expect(rewriteHosts('http://user:pw@auth-service:8001/v1?x=1', names, hasPort).value).toBe(
      'http://user:pw@${services.auth.host}:${services.auth.port}/v1?x=1',
    );
    expect(rewriteHosts('zk:2181', names, hasPort).value).toBe('${services.zk.host}:2181');
    expect(rewriteHosts('redis', names, hasPort).value).toBe('${services.redis.host}');
    expect(rewriteHosts('redis-commander', names, hasPort).referenced).toEqual([]);
    expect(rewriteHosts('use redis for caching', names, hasPort).referenced).toEqual([]);
  });
});

describe('what a package tells', () => {
  const detect = (files: Record<string, string>, shared = '') => {
    const dir = tempFolder('devstack-package-', files);
    return detectService(dir, JSON.parse(files['package.json']!), shared);
  };

  it('takes the port from the script, then .env, then the source, then the framework default', () => {
    expect(
      detect({ 'package.json': JSON.stringify({ scripts: { dev: 'vite --port 5200' }, devDependencies: { vite: '5' } }) })?.port,
    ).toEqual({
      value: 5200,
      from: 'its dev script',
      guess: false,
    });
    expect(detect({ 'package.json': JSON.stringify({ scripts: { start: 'node .' } }), '.env': 'PORT=7001\n' })?.port?.value).toBe(7001);
    expect(
      detect({
        'package.json': JSON.stringify({ scripts: { start: 'node src/main.js' } }),
        'src/main.js': 'app.listen(process.env.PORT || 8123);',
      })?.port,
    ).toEqual({ value: 8123, from: 'its source', guess: true });
    const vite = detect({ 'package.json': JSON.stringify({ scripts: { dev: 'vite' }, devDependencies: { vite: '5' } }) });
    expect(vite?.port).toEqual({ value: 5173, from: "Vite's default", guess: true });
    // Vite ignores $PORT: devstack's port is passed as a flag.
    expect(vite?.portArguments).toBe('--port $PORT');
    expect(vite?.watchesItself).toBe('vite');
  });

  it('finds a health route in the package or a workspace package it uses, and reads the variables it uses', () => {
    const found = detect(
      {
        'package.json': JSON.stringify({ scripts: { dev: 'node src/server.js' } }),
        'src/server.js': "fetch(process.env.AUTH_SERVICE_URL + '/me')",
      },
      "route('/healthz'); listen(Number(process.env.PORT))",
    );
    expect(found?.port).toEqual({ value: 'auto', from: 'its source reads PORT', guess: true });
    expect(found?.health?.value).toBe('http://127.0.0.1:${port}/healthz');
    expect(found?.readsVariables).toEqual(['AUTH_SERVICE_URL']);
    expect(detect({ 'package.json': JSON.stringify({ scripts: { build: 'tsc' } }) })).toBeUndefined();
  });
});
