// Named ports: what a service and its dependents get injected, what templates resolve to (from the
// host, and from inside a container of the stack), and the config errors around them.
import { describe, expect, it } from 'vitest';
import { environmentOf, resolveOrMessage } from '../helpers/config.js';
import type { ResolvedConfig } from '../../src/config/resolved.js';
import type { PortPlan } from '../../src/config/templates.js';

const resolve = resolveOrMessage;

const envOf = environmentOf;

describe('named ports', () => {
  const config = resolve({
    databases: { pg: { engine: 'postgres', databases: ['identity', 'flight'] }, broker: { engine: 'rabbitmq', management: true } },
    services: {
      api: { command: 'x', ports: { http: 'auto', admin: 9100, grpc: { port: 'auto', scheme: 'grpc' } } },
      web: {
        command: 'x',
        dependsOn: ['api', 'broker', 'pg'],
        env: {
          ADMIN: '${services.api.urls.admin}',
          GRPC: '${services.api.ports.grpc}',
          IDENTITY_DB: '${databases.pg.url.identity}',
          OWN: '${ports.main}',
        },
        ports: { main: 3000 },
      },
    },
  }) as ResolvedConfig;
  const ports: PortPlan = new Map([
    ['pg', new Map([['postgres', 5432]])],
    [
      'broker',
      new Map([
        ['amqp', 5672],
        ['management', 15672],
        ['dist', 25672],
        ['epmd', 4369],
      ]),
    ],
    [
      'api',
      new Map([
        ['http', 8001],
        ['admin', 9100],
        ['grpc', 8002],
      ]),
    ],
    ['web', new Map([['main', 3000]])],
  ]);

  it('gives a service PORT and PORT_<NAME> for each of its ports', () => {
    expect(envOf(config, 'api', ports)).toMatchObject({ PORT: '8001', PORT_HTTP: '8001', PORT_ADMIN: '9100', PORT_GRPC: '8002' });
    expect(envOf(config, 'web', ports)).toMatchObject({ PORT: '3000' });
    expect(envOf(config, 'web', ports)).not.toHaveProperty('PORT_MAIN'); // one port: PORT is enough
  });

  it('gives dependents <NAME>_URL for the main port and <NAME>_<PORT>_URL/_PORT for each, with the scheme of each port', () => {
    expect(envOf(config, 'web', ports)).toMatchObject({
      API_URL: 'http://127.0.0.1:8001',
      API_PORT: '8001',
      API_ADMIN_URL: 'http://127.0.0.1:9100',
      API_GRPC_URL: 'grpc://127.0.0.1:8002',
      API_GRPC_PORT: '8002',
      BROKER_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      BROKER_MANAGEMENT_URL: 'http://127.0.0.1:15672',
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
      ADMIN: 'http://127.0.0.1:9100',
      GRPC: '8002',
      IDENTITY_DB: 'postgres://postgres:postgres@127.0.0.1:5432/identity',
      OWN: '3000',
    });
  });

  it('resolves a container service’s templates to the stack network: other containers by name and their inside port', () => {
    const stack = resolve({
      containers: {
        zookeeper: { image: 'zk', ports: { client: { port: 'auto', container: 2181 } } },
        kafka: {
          image: 'kafka',
          ports: { broker: 9092 },
          env: { ZK: '${services.zookeeper.host}:${services.zookeeper.port}', ZK_URL: '${services.zookeeper.url}' },
          dependsOn: ['zookeeper'],
        },
      },
      services: { app: { command: 'x', dependsOn: ['kafka'], env: { BROKERS: '${services.kafka.host}:${services.kafka.port}' } } },
    }) as ResolvedConfig;
    const plan: PortPlan = new Map([
      ['zookeeper', new Map([['client', 40001]])],
      ['kafka', new Map([['broker', 9092]])],
      ['app', new Map()],
    ]);
    expect(envOf(stack, 'kafka', plan)).toMatchObject({ ZK: 'zookeeper:2181', ZK_URL: 'http://zookeeper:2181' });
    expect(envOf(stack, 'app', plan)).toMatchObject({ BROKERS: '127.0.0.1:9092', KAFKA_URL: 'http://127.0.0.1:9092' }); // a native service sees the host side
  });
});

describe('named port config errors', () => {
  it.each([
    [
      'port and ports together',
      { services: { api: { command: 'x', port: 1, ports: { a: 2 } } } },
      'services.config.ts: services.api.ports: a service has either port or ports, not both',
    ],
    [
      'a taken named port',
      { services: { a: { command: 'x', ports: { http: 80, admin: 81 } }, b: { command: 'y', port: 81 } } },
      'services.config.ts: services.b.port: port 81 is already used by port "admin" of service "a"',
    ],
    [
      'an unknown named port in a template',
      { services: { a: { command: 'x', ports: { http: 80 } }, b: { command: 'y', env: { U: '${services.a.urls.htp}' } } } },
      'services.config.ts: services.b.env.U: service "a" has no port "htp" in ${services.a.urls.htp} — did you mean "http"?',
    ],
    [
      'an unknown database in a template',
      {
        databases: { pg: { engine: 'postgres', databases: ['identity'] } },
        services: { b: { command: 'y', env: { U: '${databases.pg.url.identiy}' } } },
      },
      'services.config.ts: services.b.env.U: database "identiy" in ${databases.pg.url.identiy} is not one of databases.pg — did you mean "identity"?',
    ],
    [
      'a service named as a database in a template',
      { services: { a: { command: 'x', port: 1 }, b: { command: 'y', env: { U: '${databases.a.url}' } } } },
      'services.config.ts: services.b.env.U: "a" in ${databases.a.url} is a service, not a database',
    ],
    [
      'an unknown engine port',
      { databases: { mq: { engine: 'rabbitmq', management: true, ports: { managment: 'auto' } } }, services: { a: { command: 'x' } } },
      'services.config.ts: databases.mq.ports.managment: rabbitmq has no port "managment" — did you mean "management"?',
    ],
    [
      'management on the wrong engine',
      { databases: { pg: { engine: 'postgres', management: true } }, services: { a: { command: 'x' } } },
      'services.config.ts: databases.pg.management: only rabbitmq has a management UI',
    ],
    [
      'a container volume that is not absolute',
      { containers: { c: { image: 'x', volumes: { data: 'data' } } }, services: { a: { command: 'x' } } },
      'services.config.ts: containers.c.volumes.data: expected an absolute path in the container, such as /data, got "data"',
    ],
    [
      'a name used twice across sections',
      { containers: { a: { image: 'x' } }, services: { a: { command: 'x' } } },
      'services.config.ts: containers.a: "a" is also the name of a service',
    ],
  ])('%s', (_name, config, expected) => {
    expect(resolve(config)).toBe(expected);
  });
});
