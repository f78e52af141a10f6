// The example stack in examples/: four services and a web app, run natively by devstack.
// `npx devstack up` from the repository root starts it; open http://127.0.0.1:4100.
//
// Only the web app has a fixed port. The others take a free port at each `up` ('auto'), and find
// each other through what devstack injects: each service gets PORT, and every service that depends
// on `auth-service` gets AUTH_SERVICE_URL and AUTH_SERVICE_PORT. `devstack env order-service` shows it.
import { defineConfig } from 'devstack';

export default defineConfig({
  services: {
    'auth-service': {
      cwd: 'examples/services/auth-service',
      command: 'node src/server.js',
      port: 'auto',
      health: 'http://127.0.0.1:${port}/health',
      watch: ['src'],
    },
    'user-service': {
      cwd: 'examples/services/user-service',
      command: 'node src/server.js',
      port: 'auto',
      dependsOn: ['auth-service'],
      // /me without a token answers 401, and only once auth-service has checked it: proof that
      // the service and its link to auth-service are both up.
      health: { http: 'http://127.0.0.1:${port}/me', expectStatus: ['2xx', 401] },
    },
    'catalog-service': {
      cwd: 'examples/services/catalog-service',
      command: 'node src/server.js',
      port: 'auto',
      health: { tcp: '127.0.0.1:${port}' },
    },
    'order-service': {
      cwd: 'examples/services/order-service',
      command: 'node src/server.js',
      port: 'auto',
      dependsOn: ['user-service', 'catalog-service'],
      health: 'http://127.0.0.1:${port}/health',
    },
    web: {
      cwd: 'examples/apps/web',
      // Through npm, as a workspace script: npm → sh → node, all stopped together.
      command: 'npm run dev',
      port: 4100,
      dependsOn: ['order-service'],
      health: { http: 'http://127.0.0.1:${port}/health', readyTimeout: '30s' },
      stopTimeout: '5s',
    },
  },
});
