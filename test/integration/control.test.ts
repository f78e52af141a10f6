// The control protocol at the seam: a CLI meeting a supervisor of another protocol version says so
// clearly; a log probe whose line is already in the replay is ready at once (the unsubscribe
// exists before the replay runs).
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runtimeDir, stackId, stackPaths } from '../../src/control/runtime-dir.js';
import { createControlClient } from '../../src/control/client.js';
import { plainRequest } from '../../src/control/plain-request.js';
import { waitHealthy } from '../../src/health/wait-healthy.js';
import { OutputTap } from '../../src/supervisor/output-tap.js';
import { DEFAULT_PROBE_TIMING } from '../../src/config/resolved.js';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

describe('protocol versions', () => {
  it('a supervisor speaking another protocol gets a clear message, not a misread answer', async () => {
    project = createTempProject(`export default { services: { api: { command: '${fixture('forever.js')}' } } };`);
    const runtime = mkdtempSync(join(tmpdir(), 'devstack-runtime-'));
    chmodSync(runtime, 0o700);
    const { socket } = stackPaths(runtime, stackId(project.path('services.config.ts')));
    // An "old" supervisor: answers JSON, but without the protocol header.
    const old = createServer((_request, response) => response.end(JSON.stringify({ services: [] })));
    await new Promise<void>((resolve) => old.listen(socket, resolve));
    try {
      for (const args of [['ps'], ['restart', 'api'], ['stop', 'api']]) {
        const result = await project.run(args, { env: { DEVSTACK_RUNTIME_DIR: runtime } });
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stderr).toBe(
          'error: the running supervisor speaks control protocol 1 or older, this devstack speaks 2\nhint: stop it with "devstack down" (it works without talking to it), then start it again with this devstack\n',
        );
      }
    } finally {
      await new Promise((resolve) => old.close(resolve));
    }
  });
});

describe('log probes', () => {
  it('is ready at once when the line is already in the replay of earlier output', async () => {
    const tap = new OutputTap();
    tap.push(['booting', 'listening on 3000']);
    const outcome = await waitHealthy({
      probe: { type: 'log', pattern: /listening/, ...DEFAULT_PROBE_TIMING },
      context: { cwd: '/', env: {} },
      signal: new AbortController().signal,
      subscribeLines: (listener) => tap.subscribe(listener),
      spawnedAt: Date.now(),
      now: Date.now,
    });
    expect(outcome.type).toBe('ready');
  });
});

describe('the typed client against a running stack', () => {
  it('reads status, streams logs (history, then following) and events, and restarts a service', async () => {
    project = createTempProject(
      `export default { services: { api: { command: '${fixture('forever.js')} api', health: { log: 'forever' } }, web: { command: '${fixture('forever.js')} web', dependsOn: ['api'] } } };`,
    );
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const client = createControlClient(stackPaths(runtimeDir(undefined), stackId(project.path('services.config.ts'))).socket);
    const status = await client.status();
    expect(status.ok && status.value.services.map((service) => [service.name, service.state])).toEqual([
      ['api', 'ready'],
      ['web', 'ready'],
    ]);
    const history = await client.logs({ services: ['api'], lines: 5, follow: false });
    if (!history.ok) throw new Error(JSON.stringify(history.error));
    const lines: { service: string; stream: string; text: string }[] = [];
    for await (const entry of history.value) lines.push(entry);
    expect(lines).toContainEqual(
      expect.objectContaining({ service: 'api', stream: 'out', text: expect.stringMatching(/^forever pid=\d+ api$/) }),
    );

    const stop = new AbortController();
    const following = await client.logs({ follow: true, lines: 0, signal: stop.signal });
    const events = await client.events({ follow: true, signal: stop.signal });
    if (!following.ok || !events.ok) throw new Error('no stream');
    const restarted = client.restart('api');
    const seen: string[] = [];
    for await (const entry of following.value) {
      seen.push(`${entry.service} ${entry.text}`);
      if (seen.some((line) => /^api forever pid=\d+ api$/.test(line))) break;
    }
    expect(await restarted).toMatchObject({ ok: true, value: { type: 'ready' } });
    let newest = 0;
    for await (const event of events.value) {
      newest = event.seq;
      if (event.type === 'restarted') break;
    }
    stop.abort();

    // A follower of a quiet stack is told at once that it is connected, before any new event.
    const quiet = new AbortController();
    const timer = setTimeout(() => quiet.abort(), 2000);
    const opened = await client.events({ since: newest + 1000, follow: true, signal: quiet.signal });
    clearTimeout(timer);
    expect(opened.ok && !quiet.signal.aborted).toBe(true);
    quiet.abort();
  });
});

describe('one request over the control socket (plain-request.ts)', () => {
  const withServer = async (handler: Parameters<typeof createServer>[1], test: (socket: string) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'devstack-plain-'));
    const socket = join(dir, 'control.sock');
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      await test(socket);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  };
  const ask = (socketPath: string, body?: string) =>
    plainRequest({
      socketPath,
      method: body === undefined ? 'GET' : 'POST',
      path: '/v2/x?a=1',
      headers: { 'x-test': 'yes' },
      body,
      timeoutMs: 2000,
    });

  it('reads a body sized by Content-Length, and one sent in chunks (multi-byte text split across them)', async () => {
    const text = 'é'.repeat(300_000); // 600 KB: many reads, a character split across chunk boundaries
    await withServer(
      (request, response) => {
        let received = '';
        request.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
        request.on('end', () => {
          response.setHeader('devstack-protocol', '2');
          if (request.method === 'GET') return void response.end(JSON.stringify({ url: request.url, test: request.headers['x-test'] }));
          const whole = Buffer.from(received + text);
          response.write(whole.subarray(0, 1001)); // mid-character: the client must join bytes, not strings
          response.end(whole.subarray(1001));
        });
      },
      async (socket) => {
        const plain = await ask(socket);
        expect(plain.ok && plain.value.statusCode).toBe(200);
        expect(plain.ok && plain.value.headers.get('devstack-protocol')).toBe('2');
        expect(plain.ok && JSON.parse(plain.value.body)).toEqual({ url: '/v2/x?a=1', test: 'yes' });
        const chunked = await ask(socket, '{"ü":1}');
        expect(chunked.ok && chunked.value.headers.get('transfer-encoding')).toBe('chunked');
        expect(chunked.ok && chunked.value.body).toBe(`{"ü":1}${text}`);
      },
    );
  });

  it('says absent for no socket, timeout for a silent one, broken for an answer cut short', async () => {
    expect(await ask(join(tmpdir(), `devstack-none-${process.pid}.sock`))).toEqual({ ok: false, error: { type: 'absent' } });
    await withServer(
      (request, response) => {
        if (request.url === '/v2/x?a=1' && request.method === 'GET') return; // never answers
        response.writeHead(200, { 'content-length': '100' });
        response.write('only part');
        response.socket?.destroy();
      },
      async (socket) => {
        const silent = await plainRequest({
          socketPath: socket,
          method: 'GET',
          path: '/v2/x?a=1',
          headers: {},
          body: undefined,
          timeoutMs: 200,
        });
        expect(silent).toEqual({ ok: false, error: { type: 'timeout' } });
        const cut = await ask(socket, '{}');
        expect(cut.ok ? 'answered' : cut.error.type).toBe('broken');
      },
    );
  });
});
