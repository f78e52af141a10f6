// The proxy, on both of its engines (nginx supervised by devstack — the default where nginx is
// installed — and devstack's own), measured beside the same backend reached directly and through a
// hand-written nginx (Debian's, one worker, keep-alive to the upstream, no access log): requests per
// second and p50/p99 latency from a keep-alive load generator in this process (the same one for
// all), saturated and at a fixed rate; and how long a request held during a restart waits beyond
// the moment its service is ready again.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killRun } from './peers.js';
import { freePort } from './util.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const devstackBin = join(here, '..', 'bin', 'devstack.js');
const NGINX = '/usr/sbin/nginx';

function get(agent, port, path = '/') {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const call = request({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, ms: performance.now() - started }));
    });
    call.on('error', reject);
    call.end();
  });
}

/** p50 and p99 of latencies in ms (sorts them). */
function percentiles(latencies) {
  latencies.sort((a, b) => a - b);
  const at = (q) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2));
  return { p50: at(0.5), p99: at(0.99) };
}

/** `connections` keep-alive clients sending requests back to back for `durationMs`. */
async function load(port, { connections = 8, durationMs = 3000 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  for (let i = 0; i < 200; i++) await get(agent, port); // warm up (and open the connections)
  const latencies = [];
  let errors = 0;
  const until = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const answer = await get(agent, port).catch(() => undefined);
      if (answer?.status === 200) latencies.push(answer.ms);
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  return { rps: Math.round(latencies.length / (elapsed / 1000)), ...percentiles(latencies), errors };
}

/**
 * Requests sent at a fixed `rate` per second for `durationMs`, whether or not earlier ones have been
 * answered (an open loop, as a browser and its page's scripts send them): each latency counts from
 * the moment its request was due, so a stall delays every request due during it (no coordinated
 * omission). This is latency at a load, where `load` above measures what a saturated proxy does.
 */
async function loadAtRate(port, { rate = 1000, durationMs = 3000, connections = 32 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  for (let i = 0; i < 200; i++) await get(agent, port);
  const total = Math.round((rate * durationMs) / 1000);
  const latencies = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const answers = [];
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const dueAt = started + (sent * 1000) / rate;
        answers.push(
          get(agent, port).then(
            (answer) => (answer.status === 200 ? latencies.push(performance.now() - dueAt) : errors++),
            () => errors++,
          ),
        );
      }
      if (sent < total) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  await Promise.all(answers);
  agent.destroy();
  return { rate, ...percentiles(latencies), errors };
}

function nginxConfig(dir, listen, upstream) {
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true });
  return `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstream}; keepalive 32; }
  server {
    listen 127.0.0.1:${listen};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
  }
}
`;
}

async function waitForPort(port, timeoutMs = 10_000) {
  const agent = new Agent({ keepAlive: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await get(agent, port);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function run(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [devstackBin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/**
 * One run: the backend as a devstack service behind devstack's proxy; the same backend directly;
 * nginx in front of it. Then a held request: sent just after a restart began.
 */
export async function proxyLatency({ durationMs = 3000, rate = 1000 } = {}) {
  const id = `px${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'devstack-bench-proxy-'));
  const env = { ...process.env, BENCH_RUN: id, NO_COLOR: '1' };
  const [backendPort, proxyPort, nginxPort] = [await freePort(), await freePort(), await freePort()];
  const services = {
    backend: {
      command: `node ${join(here, 'fixtures', 'ready-after.js')}`,
      port: backendPort,
      health: `http://127.0.0.1:${backendPort}/`,
      env: { READY_DELAY_MS: '300' },
    },
  };
  const writeConfig = (engine) =>
    writeFileSync(
      join(dir, 'services.config.ts'),
      `export default ${JSON.stringify({ dashboard: false, services, proxy: { engine, port: proxyPort, routes: { '/': 'backend' }, accessLog: true } })};\n`,
    );
  const measure = async (port) => ({ ...(await load(port, { durationMs })), atRate: await loadAtRate(port, { rate, durationMs }) });
  let nginx;
  try {
    // devstack's own engine first; then on nginx, with the hand-written nginx beside it on the same
    // backend process, measured one after the other once both are warm.
    const engines = existsSync(NGINX) ? ['node', 'nginx'] : ['node'];
    const measured = {};
    let direct;
    let viaNginx;
    for (const engine of engines) {
      writeConfig(engine);
      const up = await run(['up', '-d'], dir, env);
      if (up.code !== 0) throw new Error(`up -d failed: ${up.output}`);
      await load(backendPort, { durationMs: 500 }); // the backend's JIT warm, whoever comes first
      if (engine === 'node') {
        measured.node = await measure(proxyPort);
        if (engines.length > 1) await run(['down'], dir, env);
        else direct = await measure(backendPort);
        continue;
      }
      const nginxDir = join(dir, 'nginx');
      mkdirSync(nginxDir);
      writeFileSync(join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, nginxPort, backendPort));
      nginx = spawn(NGINX, ['-c', join(nginxDir, 'nginx.conf'), '-p', nginxDir], { env, stdio: 'ignore' });
      await waitForPort(nginxPort);
      await load(proxyPort, { durationMs: 500 });
      await load(nginxPort, { durationMs: 500 });
      direct = await measure(backendPort);
      measured.nginx = await measure(proxyPort);
      viaNginx = await measure(nginxPort);
    }

    // A request sent while the service restarts (its new process takes 300 ms to listen): held,
    // answered once it is ready. What it waits beyond the service's readiness is the proxy's cost
    // (on nginx where it is installed: nginx hands the request to devstack, which holds it).
    const restarting = run(['restart', 'backend'], dir, env);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const agent = new Agent({ keepAlive: false });
    const held = await get(agent, proxyPort);
    const answeredAt = Date.now();
    await restarting;
    const events = readFileSync(join(dir, 'logs', 'devstack.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const readyAt = events.findLast(
      (event) => event.type === 'state' && event.service === 'backend' && event.state?.type === 'ready',
    )?.time;
    await run(['down'], dir, env);
    return {
      direct,
      devstack: measured.nginx ?? measured.node,
      devstackNode: measured.node,
      nginx: viaNginx,
      heldStatus: held.status,
      heldBeyondReadyMs: readyAt === undefined ? undefined : Math.max(0, answeredAt - readyAt),
    };
  } finally {
    nginx?.kill('SIGTERM');
    await run(['down'], dir, env).catch(() => undefined);
    killRun(id);
    rmSync(dir, { recursive: true, force: true });
  }
}
