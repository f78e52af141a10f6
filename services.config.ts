// The example stack in examples/: four services and a web app, run natively by devstack.
// `npx devstack up` from the repository root starts it; open http://127.0.0.1:4100.
import { defineConfig } from 'devstack';

const url = (port: number): string => `http://127.0.0.1:${port}`;

export default defineConfig({
  services: {
    'auth-service': {
      cwd: 'examples/services/auth-service',
      command: 'node src/server.js',
      port: 4101,
      health: `${url(4101)}/health`,
      watch: ['src'],
    },
    'user-service': {
      cwd: 'examples/services/user-service',
      command: 'node src/server.js',
      port: 4102,
      env: { AUTH_SERVICE_URL: url(4101) },
      dependsOn: ['auth-service'],
      // /me without a token answers 401, and only once auth-service has checked it: proof that
      // the service and its link to auth-service are both up.
      health: { http: `${url(4102)}/me`, expectStatus: ['2xx', 401] },
    },
    'catalog-service': {
      cwd: 'examples/services/catalog-service',
      command: 'node src/server.js',
      port: 4103,
      health: { tcp: 4103 },
    },
    'order-service': {
      cwd: 'examples/services/order-service',
      command: 'node src/server.js',
      port: 4104,
      env: { USER_SERVICE_URL: url(4102), CATALOG_SERVICE_URL: url(4103) },
      dependsOn: ['user-service', 'catalog-service'],
      health: `${url(4104)}/health`,
    },
    web: {
      cwd: 'examples/apps/web',
      // Through npm, as a workspace script: npm → sh → node, all stopped together.
      command: 'npm run dev',
      port: 4100,
      env: { ORDER_SERVICE_URL: url(4104) },
      dependsOn: ['order-service'],
      health: { http: `${url(4100)}/health`, readyTimeout: '30s' },
      stopTimeout: '5s',
    },
  },
});
