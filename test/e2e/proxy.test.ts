// The proxy on real processes, on both engines (nginx, supervised by devstack, and devstack's own):
// routes by path and by `<service>.localhost`, headers, bodies, redirects and cookies through it; no
// failed request while its target restarts (a file change, `devstack restart`); a stopped target
// answered at once with a page saying so; a real Vite dev server's HMR WebSocket; HTTPS with mkcert.
// On nginx also: nginx killed → devstack's own proxy takes its port; the supervisor killed → the
// reaper ends nginx too.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it as vitestIt } from 'vitest';
import WebSocket from 'ws';
import { createTempProject, fixture, freePort, REPO_ROOT, type TempProject } from '../helpers/project.js';
import { waitFor } from '../helpers/wait.js';
import { stackPathsOfConfigFile } from '../../src/control/runtime-dir.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(
  port: number,
  path: string,
  options: {
    host?: string;
    method?: string;
    body?: Buffer;
    accept?: string;
    cookie?: string;
    tls?: { ca: Buffer; servername: string };
    /** Fails the request when no answer came in this time (default: none). */
    timeoutMs?: number;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = options.tls === undefined ? httpRequest : httpsRequest;
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: {
          host: options.host ?? `127.0.0.1:${port}`,
          ...(options.accept ? { accept: options.accept } : {}),
          ...(options.cookie ? { cookie: options.cookie } : {}),
        },
        ...options.tls,
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += String(chunk)));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    call.on('error', reject);
    call.on('timeout', () => call.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
    call.end(options.body);
  });
}

async function echoService(name: string, extra = ''): Promise<string> {
  const port = await freePort();
  return `'${name}': { command: '${fixture('proxy-echo.js')}', port: ${port}, health: 'http://127.0.0.1:${port}/health'${extra} },`;
}

const nginxInstalled = existsSync('/usr/sbin/nginx');

// CI installs nginx (.ci/run); where it is missing, the nginx engine's tests are reported as skipped.
describe.each([
  { engine: 'nginx', installed: nginxInstalled },
  { engine: 'node', installed: true },
])('the proxy on $engine', ({ engine, installed }) => {
  const engineField = `engine: '${engine}',`;
  const it = installed ? vitestIt : vitestIt.skip;
  it('routes by longest prefix and by host name, forwarding headers, bodies, redirects and cookies', async () => {
    const proxyPort = await freePort();
    project = createTempProject(`export default {
      proxy: { ${engineField} port: ${proxyPort}, routes: { '/api': { service: 'api', stripPrefix: true }, '/api/admin': 'admin', '/': 'web' }, hosts: { 'shop.localhost': 'web' } },
      services: { ${await echoService('web')} ${await echoService('api')} ${await echoService('admin')} },
    };`);
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`entry     http://127.0.0.1:${proxyPort}`);

    const json = async (path: string, host?: string): Promise<{ service: string; url: string; headers: Record<string, string> }> =>
      JSON.parse((await send(proxyPort, path, host === undefined ? {} : { host })).body);
    expect(await json('/')).toMatchObject({ service: 'web', url: '/' });
    expect(await json('/api/users?id=1')).toMatchObject({ service: 'api', url: '/users?id=1' });
    expect(await json('/api')).toMatchObject({ service: 'api', url: '/' });
    expect(await json('/api/admin/x')).toMatchObject({ service: 'admin', url: '/api/admin/x' });
    expect(await json('/apix')).toMatchObject({ service: 'web', url: '/apix' });
    expect(await json('/anything', `api.localhost:${proxyPort}`)).toMatchObject({ service: 'api', url: '/anything' });
    expect(await json('/', `shop.localhost:${proxyPort}`)).toMatchObject({ service: 'web' });

    const seen = await json('/', `web.localhost:${proxyPort}`);
    expect(seen.headers).toMatchObject({
      host: `web.localhost:${proxyPort}`, // kept as the browser sent it
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': `web.localhost:${proxyPort}`,
      'x-forwarded-proto': 'http',
    });
    const posted = JSON.parse((await send(proxyPort, '/upload', { method: 'POST', body: Buffer.alloc(3 * 1024 * 1024, 7) })).body);
    expect(posted).toMatchObject({ method: 'POST', bodyLength: 3 * 1024 * 1024 });
    const redirect = await send(proxyPort, '/redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe(`http://127.0.0.1:${proxyPort}/landed`);
    expect((await send(proxyPort, '/cookie')).headers['set-cookie']).toEqual(['session=abc; Path=/; HttpOnly']);
    // Headers past nginx's defaults (8 KB in, 4–8 KB out), as big cookies and tokens are: both ways.
    const big = await send(proxyPort, '/big-header', { cookie: `token=${'t'.repeat(12 * 1024)}` });
    expect(big.status).toBe(200);
    expect(big.body).toBe(`cookie of ${12 * 1024 + 6} bytes`);
    expect(String(big.headers['set-cookie'])).toHaveLength(4 + 12 * 1024);

    const log = await project.run(['logs', 'proxy']);
    expect(log.stdout).toMatch(/GET \/api\/users\?id=1 → api 200 \d+ ms/);
    // A row of its own in ps: nginx's pid, or the supervisor's (the proxy runs inside it); the proxy's port.
    const row = (await project.ps()).find((candidate) => candidate.name === 'proxy');
    expect(row).toMatchObject({ state: 'ready', port: proxyPort });
    if (engine === 'node') expect(row?.pid).toBe(project.supervisorPid());
    else expect(readFileSync(`/proc/${row!.pid}/comm`, 'utf8').trim()).toBe('nginx');
  });

  it('a proxy port another program listens on: one line naming it, with a hint, and nothing left', async () => {
    const proxyPort = await freePort();
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(proxyPort, '127.0.0.1', resolve));
    try {
      project = createTempProject(`export default {
      proxy: { ${engineField} port: ${proxyPort}, routes: { '/': 'api' } },
      services: { ${await echoService('api')} },
    };`);
      const up = await project.run(['up', '-d']);
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(
        new RegExp(
          `^error: proxy.port: port ${proxyPort} on 127.0.0.1 is already in use by pid ${process.pid} \\(.*\\)\nhint: stop pid ${process.pid}, or set proxy.port to a free port, or 'auto'$`,
          'm',
        ),
      );
      expect(up.stderr).not.toMatch(/internal error|\n\s+at /);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('holds requests while the target restarts (a file change, devstack restart): none fails; a stopped one gets the page at once', async () => {
    const proxyPort = await freePort();
    project = createTempProject(`export default {
      proxy: { ${engineField} port: ${proxyPort}, routes: { '/': 'api' } },
      services: { ${await echoService('api', ", env: { READY_DELAY_MS: '400' }, watch: ['src']")} },
    };`);
    project.write('src/index.js', '// v1\n');
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pids = new Set<number>();
    const failures: string[] = [];
    let running = true;
    let requests = 0;
    // On nginx a request with a body is held too (nginx hands it over before sending any of it);
    // devstack's own proxy cannot replay a body that met a refused connection.
    const body = engine === 'nginx' ? { method: 'POST', body: Buffer.alloc(64 * 1024, 1) } : {};
    const client = async (): Promise<void> => {
      while (running) {
        const answer = await send(proxyPort, '/work', body).catch((error: Error) => ({ status: 0, headers: {}, body: error.message }));
        requests++;
        if (answer.status !== 200) failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
        else pids.add((JSON.parse(answer.body) as { pid: number }).pid);
      }
    };
    const clients = [client(), client()];
    await waitFor(() => pids.size === 1, 'the first answers');
    project.write('src/index.js', '// v2\n');
    await waitFor(() => pids.size === 2, 'an answer from the restarted process', 20_000);
    const restart = await project.run(['restart', 'api']);
    expect(restart.code, restart.stderr).toBe(0);
    await waitFor(() => pids.size === 3, 'an answer after devstack restart', 20_000);
    running = false;
    await Promise.all(clients);
    expect(failures.slice(0, 3)).toEqual([]);
    expect(requests).toBeGreaterThan(20);

    expect((await project.run(['stop', 'api'])).code).toBe(0);
    const started = Date.now();
    const page = await send(proxyPort, '/', { accept: 'text/html' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(page.status).toBe(503);
    expect(page.body).toContain('api is down');
    expect(page.body).toContain('devstack start');
  });

  it("passes a real Vite dev server's HMR WebSocket through, and its updates", async () => {
    const proxyPort = await freePort();
    const vitePort = await freePort();
    const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    project = createTempProject(`export default {
      proxy: { ${engineField} port: ${proxyPort}, routes: { '/': 'web' } },
      services: { web: { command: 'node ${vite} --port ${vitePort} --strictPort --host 127.0.0.1', port: ${vitePort}, health: 'http://127.0.0.1:${vitePort}/', stopTimeout: '3s' } },
    };`);
    project.write('index.html', '<!doctype html><script type="module" src="/main.js"></script>\n');
    project.write('main.js', 'console.log(1);\n');
    project.write('package.json', '{ "name": "vite-app", "private": true, "type": "module" }\n');
    const up = await project.run(['up', '-d'], { timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);

    const page = await send(proxyPort, '/', { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('/@vite/client');
    const messages: { type: string; updates?: { path: string }[] }[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${proxyPort}/`, 'vite-hmr', { headers: { host: `127.0.0.1:${proxyPort}` } });
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await waitFor(() => messages.some((message) => message.type === 'connected'), 'the HMR connection through the proxy');
    // Vite sends updates only for modules a page has loaded: load main.js as the browser would.
    expect((await send(proxyPort, '/main.js')).status).toBe(200);
    project.write('main.js', 'console.log(2);\n');
    await waitFor(
      () => messages.some((message) => message.type === 'update' || message.type === 'full-reload'),
      'an HMR update through the proxy',
      15_000,
    );
    socket.close();
  });

  const mkcert = ((): boolean => {
    try {
      execFileSync('mkcert', ['-help'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  // CI installs mkcert (.ci/run); where it is missing, the test is reported as skipped.
  vitestIt.runIf(installed && mkcert)(
    "serves HTTPS with mkcert's certificate for every host name, and redirects stay on https",
    async () => {
      const caroot = mkdtempSync(join(tmpdir(), 'devstack-caroot-'));
      const [proxyPort, httpsPort] = [await freePort(), await freePort()];
      project = createTempProject(`export default {
      proxy: { ${engineField} port: ${proxyPort}, routes: { '/': 'web' }, https: { port: ${httpsPort} } },
      services: { ${await echoService('web')} ${await echoService('api')} },
    };`);
      try {
        // A CA of its own (CAROOT), trusted by this test only: nothing is installed on the machine.
        const up = await project.run(['up', '-d'], { env: { CAROOT: caroot } });
        expect(up.code, up.stderr).toBe(0);
        expect(up.stdout).toContain(`https://localhost:${httpsPort}`);
        const ca = readFileSync(join(caroot, 'rootCA.pem'));
        const get = (host: string, path: string): Promise<Answer> =>
          send(httpsPort, path, { host: `${host}:${httpsPort}`, tls: { ca, servername: host } });
        const api = await get('api.localhost', '/x');
        expect(JSON.parse(api.body)).toMatchObject({ service: 'api', url: '/x', headers: { 'x-forwarded-proto': 'https' } });
        expect(JSON.parse((await get('localhost', '/')).body)).toMatchObject({ service: 'web' });
        const redirect = await get('localhost', '/redirect');
        expect(redirect.headers.location).toBe(`https://localhost:${httpsPort}/landed`);
      } finally {
        rmSync(caroot, { recursive: true, force: true });
      }
    },
  );
});

describe.runIf(nginxInstalled)('the proxy on nginx: its log, and when things go wrong', () => {
  vitestIt("the access log nginx writes is rotated by size, in devstack's line format, with no request lost", async () => {
    const proxyPort = await freePort();
    project = createTempProject(`export default {
      logRotation: { maxSize: '4kb', keep: 50 },
      proxy: { engine: 'nginx', port: ${proxyPort}, routes: { '/': 'api' } },
      services: { ${await echoService('api')} },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const count = 300; // ~60 bytes a line: about four files' worth
    for (let i = 0; i < count; i++) expect((await send(proxyPort, `/r/${i}`)).status).toBe(200);
    const logged = (): string[] =>
      readdirSync(project!.path('logs'))
        .filter((name) => /^proxy\.log(\.\d+)?$/.test(name))
        .flatMap((name) => project!.read(`logs/${name}`).split('\n'))
        .filter((line) => line.includes(' /r/'));
    await waitFor(
      () => existsSync(project!.path('logs/proxy.log.1')) && logged().length === count,
      'the log rotated, every request in it',
      10_000,
    );
    const lines = logged();
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z out GET \/r\/\d+ → api 200 \d+ ms$/);
    expect(new Set(lines.map((line) => line.split(' ')[3])).size).toBe(count);
    expect(statSync(project.path('logs/proxy.log')).mode & 0o777).toBe(0o600);
    const read = await project.run(['logs', 'proxy']);
    expect(read.stdout).toContain('GET /r/0 → api 200');
  });

  /** A stack of one service behind nginx, up: the proxy's port and nginx's pid. */
  const upOnNginx = async (): Promise<{ proxyPort: number; nginx: number }> => {
    const proxyPort = await freePort();
    project = createTempProject(`export default {
      proxy: { engine: 'nginx', port: ${proxyPort}, routes: { '/': 'api' } },
      services: { ${await echoService('api')} },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    return { proxyPort, nginx: (await project.ps()).find((row) => row.name === 'proxy')!.pid! };
  };

  vitestIt('nginx refusing to start: one line with its reason, and nothing left', async () => {
    const proxyPort = await freePort();
    project = createTempProject(`export default {
      proxy: { engine: 'nginx', port: ${proxyPort}, routes: { '/': 'api' } },
      services: { ${await echoService('api')} },
    };`);
    // An nginx found first on PATH that fails as a broken installation would.
    project.write(
      'bin/nginx',
      '#!/bin/sh\necho \'nginx: [emerg] open() "/etc/nginx/mime.types" failed (2: No such file or directory)\' >&2\nexit 1\n',
    );
    execFileSync('chmod', ['+x', project.path('bin/nginx')]);
    const up = await project.run(['up', '-d'], { env: { PATH: `${project.path('bin')}:${process.env.PATH}` } });
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/^error: proxy: nginx did not start: \[emerg\] open\(\) "\/etc\/nginx\/mime.types" failed/m);
    expect(up.stderr).toContain("proxy.engine: 'node'");
    expect(up.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  vitestIt("nginx killed: devstack's own proxy takes its port and the requests go on", async () => {
    const { proxyPort, nginx } = await upOnNginx();
    expect(readFileSync(`/proc/${nginx}/comm`, 'utf8').trim()).toBe('nginx');
    // nginx's config, readiness files and hold sockets: nginx's to have, gone with it.
    const frontFolder = stackPathsOfConfigFile(process.env, project!.path('services.config.ts')).proxy;
    expect(existsSync(frontFolder)).toBe(true);
    const killedAt = Date.now();
    process.kill(nginx, 'SIGKILL'); // the master alone: its worker would keep the port if devstack did not end it
    // Every look's outcome, so that a failure says whether the port stayed shut, answered wrongly or hung.
    const looks: string[] = [];
    const answered = async (): Promise<boolean> => {
      const outcome = await send(proxyPort, '/after', { timeoutMs: 2000 }).then(
        (answer) => String(answer.status),
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      );
      if (looks.at(-1)?.startsWith(`${outcome} `) !== true) looks.push(`${outcome} at ${Date.now() - killedAt} ms`);
      return outcome === '200';
    };
    await waitFor(answered, 'an answer after nginx died', 15_000).catch((error: Error) => {
      const proxyLines = project!
        .read('logs/devstack.log')
        .split('\n')
        .filter((line) => line.includes('proxy'));
      throw new Error(`${error.message}\nlooks: ${looks.join(', ')}\ndevstack.log:\n${proxyLines.slice(-10).join('\n')}`);
    });
    await waitFor(() => !existsSync(frontFolder), "nginx's runtime folder to be removed", 5000);
    const row = (await project!.ps()).find((candidate) => candidate.name === 'proxy');
    expect(row?.pid).toBe(project!.supervisorPid());
    expect(project!.read('logs/devstack.log')).toContain(
      `proxy: nginx exited (killed by SIGKILL); devstack's own proxy takes over on port ${proxyPort}`,
    );
  });

  vitestIt('the supervisor killed: the reaper ends nginx with the services', async () => {
    const { nginx } = await upOnNginx();
    process.kill(project!.supervisorPid(), 'SIGKILL');
    await waitFor(() => !existsSync(`/proc/${nginx}`), 'nginx to be ended by the reaper', 15_000);
    // cleanup() then checks that nothing of the project is left (nginx runs in the project's folder).
  });
});
