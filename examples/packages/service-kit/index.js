// Shared by the example services: a small JSON HTTP server with /health, request logging,
// a graceful SIGTERM, and a fetch helper for calling other services by their env-provided URL.
import { createServer } from 'node:http';

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`missing environment variable ${name}`);
    process.exit(1);
  }
  return value;
}

export async function fetchJson(url, init = {}) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(`${url} answered ${response.status}`), { status: response.status, body });
  return body;
}

/** routes: { 'GET /path': async (request, url) => ({ status?, body }) } */
export function startService({ name, routes }) {
  const port = Number(requireEnv('PORT'));
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, `http://${request.headers.host}`);
    const route =
      url.pathname === '/health' ? async () => ({ body: { status: 'ok', service: name } }) : routes[`${request.method} ${url.pathname}`];
    const started = Date.now();
    try {
      const {
        status = 200,
        body,
        type = 'application/json',
      } = route ? await route(request, url) : { status: 404, body: { error: 'not found' } };
      response.writeHead(status, { 'content-type': type }).end(type === 'application/json' ? JSON.stringify(body) : body);
      if (url.pathname !== '/health') console.log(`${request.method} ${url.pathname} ${status} ${Date.now() - started}ms`);
    } catch (error) {
      console.error(`${request.method} ${url.pathname} failed: ${error.message}`);
      response
        .writeHead(error.status === 401 ? 401 : 502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: error.message }));
    }
  });
  // 127.0.0.1 under devstack; HOST=0.0.0.0 in a container (devstack export compose sets it).
  const host = process.env.HOST ?? '127.0.0.1';
  server.listen(port, host, () => console.log(`${name} listening on http://${host}:${port}`));
  process.on('SIGTERM', () => {
    console.log(`${name} shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
  return server;
}
