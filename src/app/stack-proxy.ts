/**
 * The proxy of one run, when the config has one: loaded only then (httpxy and the proxy's code stay
 * out of every other supervisor), listening before the services start so that early requests wait
 * for them, and writing one line per request to `logs/proxy.log` (`devstack logs proxy`).
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LogRotation, ResolvedConfig, ResolvedProxy } from '../config/resolved.js';
import { DevstackError } from '../errors.js';
import { createLogFileWriter, shiftRotated, type LogFileWriter } from '../logs/log-file.js';
import { PROXY_LOG, serviceLogPath } from '../logs/log-files.js';
import type { Availability } from '../proxy/availability.js';
import getPort from 'get-port';
import { LOCAL_HOST, mainPort, type PortPlan } from '../config/templates.js';
import { isPortFree } from '../env/ports.js';
import { findOnPath, SERVER_DIRS } from '../databases/find-program.js';
import { proxyPortInUse } from '../proxy/port-in-use.js';
import { removeServicePidFile, writeServicePidFile } from '../process/pid-file.js';
import { readProcInfo } from '../process/proc-table.js';
import type { ProxyBackends } from '../proxy/proxy-server.js';

export interface StackProxy {
  readonly url: string;
  readonly port: number;
  readonly httpsUrl: string | undefined;
  /** What serves the requests: nginx (supervised by devstack), or devstack's own proxy inside the supervisor. */
  readonly engine: 'nginx' | 'node';
  /** nginx's master; undefined when the proxy runs inside the supervisor. */
  readonly pid: number | undefined;
  /** A service's state changed: waiting requests look again. */
  changed(): void;
  close(): Promise<void>;
}

/**
 * Lines handed to `write` together once per turn of the event loop: under load, one file write for
 * many requests instead of one each (measured: the per-line write cost the proxy 20% of its rate).
 */
function batched(write: (lines: string[]) => void): { add(line: string): void; flush(): void } {
  let pending: string[] = [];
  const flush = (): void => {
    const lines = pending;
    pending = [];
    if (lines.length > 0) write(lines);
  };
  return {
    add(line) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
    flush,
  };
}

/**
 * The HTTPS certificate: the configured files, or mkcert's for localhost, 127.0.0.1 and every host
 * name of the proxy (one name each: browsers refuse a `*.localhost` wildcard), kept in
 * `.devstack/proxy-tls` and made again when the names change. mkcert's CA is trusted by browsers
 * once `mkcert -install` has run; `CAROOT` chooses where it lives, as for mkcert itself.
 */
async function certificateOf(config: ResolvedConfig, proxy: ResolvedProxy): Promise<{ cert: Buffer; key: Buffer }> {
  const https = proxy.https!;
  if (https.cert !== undefined && https.key !== undefined) {
    try {
      return { cert: readFileSync(https.cert), key: readFileSync(https.key) };
    } catch (error) {
      throw new DevstackError('HTTPS_UNAVAILABLE', `proxy.https: cannot read the certificate: ${(error as Error).message}`, {
        field: 'proxy.https',
        hint: 'give paths (relative to the config) of a PEM certificate and key',
      });
    }
  }
  const names = ['localhost', '127.0.0.1', ...Object.keys(proxy.hosts).sort()];
  const dir = join(config.root, '.devstack', 'proxy-tls');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const stamp = join(dir, 'names');
  const current = existsSync(stamp) && existsSync(cert) && existsSync(key) && readFileSync(stamp, 'utf8') === names.join('\n');
  if (!current) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      await promisify(execFile)('mkcert', ['-cert-file', cert, '-key-file', key, ...names], { timeout: 60_000 });
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new DevstackError(
        'HTTPS_UNAVAILABLE',
        missing
          ? 'proxy.https: mkcert is not installed'
          : `proxy.https: mkcert failed: ${String((error as { stderr?: string }).stderr ?? (error as Error).message)
              .trim()
              .split('\n')
              .at(-1)}`,
        {
          field: 'proxy.https',
          hint: missing
            ? 'install mkcert (apt install mkcert, brew install mkcert) and run "mkcert -install" once, or give cert and key'
            : 'run mkcert by hand to see why',
        },
      );
    }
    writeFileSync(stamp, names.join('\n'));
  }
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

export interface StackProxyOptions {
  /** Whether a request for a service can go now (availability.ts). */
  readonly availability: (service: string) => Availability;
  /** This run's port of every service. */
  readonly ports: PortPlan;
  /** nginx's folder for the run (short: it holds unix sockets). */
  readonly dir: string;
  /** nginx's environment: PATH and the run's marker, so `down` and the reaper find it. */
  readonly env: Readonly<Record<string, string>>;
  /** The run's id, for nginx's PID file. */
  readonly runId: string;
  /** A warning for the supervisor's log and the terminal (why not nginx, a takeover). */
  readonly notice: (text: string) => void;
}

/**
 * The access log nginx writes, rotated as devstack rotates its own: looked at once a second; past
 * maxBytes, the files shift and nginx reopens a new one at the path (what it wrote meanwhile is in
 * the rotated file, whole: nginx writes whole lines). Returns the stop.
 */
function rotateByNginx(file: string, rotation: LogRotation | undefined, front: { reopenLogs(): void }): (() => void) | undefined {
  if (rotation === undefined) return undefined;
  const timer = setInterval(() => {
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      // not there: nothing to rotate
    }
    if (size < rotation.maxBytes) return;
    shiftRotated(file, rotation.keep);
    closeSync(openSync(file, 'a', 0o600));
    front.reopenLogs();
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Waits until nginx's ports are free: the killed group's worker may hold them for a moment after
 * the signal (the kernel closes its sockets when it is gone), longer on a machine under load. Up
 * to 10 s; a port still taken then fails the take-over with an error naming who holds it.
 */
async function portsFreed(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !(await Promise.all(ports.map((port) => isPortFree(port)))).every(Boolean))
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** nginx is told a port: `'auto'` is a free one now, a fixed one must be free (one clear line, not nginx's bind error). */
async function portFor(wanted: number | 'auto', field: 'proxy.port' | 'proxy.https.port'): Promise<number> {
  if (wanted === 'auto') return getPort({ host: LOCAL_HOST });
  if (!(await isPortFree(wanted))) throw proxyPortInUse(field, wanted);
  return wanted;
}

type Engine = { readonly type: 'nginx'; readonly path: string } | { readonly type: 'node'; readonly why: string | undefined };

/** nginx where it is installed and can hold the config as it is (or where asked for); devstack's own proxy otherwise. */
function engineOf(proxy: ResolvedProxy, pathVariable: string | undefined, unsuitable: string | undefined): Engine {
  if (proxy.engine === 'node') return { type: 'node', why: undefined };
  const nginx = findOnPath('nginx', pathVariable, SERVER_DIRS);
  if (proxy.engine === 'nginx') {
    if (nginx === undefined)
      throw new DevstackError('PROXY_UNAVAILABLE', 'proxy.engine: nginx is not installed', {
        field: 'proxy.engine',
        hint: "install nginx (apt install nginx), or set proxy.engine to 'auto' (devstack's own proxy when nginx is missing)",
      });
    if (unsuitable !== undefined)
      throw new DevstackError('PROXY_UNAVAILABLE', `proxy.engine: nginx cannot serve this stack: ${unsuitable}`, {
        field: 'proxy.engine',
        hint: "set proxy.engine to 'auto' or 'node'",
      });
  }
  // Without nginx, devstack's own engine is the ordinary case: nothing to say (ps says which runs).
  if (nginx === undefined) return { type: 'node', why: undefined };
  if (unsuitable !== undefined) return { type: 'node', why: unsuitable };
  return { type: 'nginx', path: nginx };
}

export async function startStackProxy(config: ResolvedConfig, proxy: ResolvedProxy, options: StackProxyOptions): Promise<StackProxy> {
  // Loaded only here: a stack without a proxy loads none of it.
  const { startProxy } = await import('../proxy/proxy-server.js');
  const { nginxUnsuitable } = await import('../proxy/nginx-config.js');
  const listeners = new Set<() => void>();
  // Asked for every request, changed only with a state: kept until the next state change.
  const known = new Map<string, Availability>();
  const cachedAvailability = (service: string): Availability => {
    let found = known.get(service);
    if (found === undefined) {
      found = options.availability(service);
      if (found.type !== 'coming') known.set(service, found); // coming: asked again when it changes anyway
    }
    return found;
  };
  const backends: ProxyBackends = {
    availability: cachedAvailability,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const tlsFiles = proxy.https === undefined ? undefined : await certificateOf(config, proxy);
  const logFile = proxy.accessLog ? serviceLogPath(config.logsDir, PROXY_LOG) : undefined;
  // devstack's own engine writes the access log itself (nginx writes it on its own).
  let log: LogFileWriter | undefined;
  const lines = batched((batch) => void log?.write('out', batch, new Date().toISOString()));
  const accessLog = logFile === undefined ? undefined : (line: string): void => lines.add(line);
  const engine = engineOf(proxy, options.env['PATH'], nginxUnsuitable(proxy, options.dir));

  type Running = {
    readonly engine: 'nginx' | 'node';
    readonly pid: number | undefined;
    readonly port: number;
    readonly httpsPort: number | undefined;
    close(): Promise<void>;
  };
  const startNode = async (port: number | 'auto', httpsPort: number | 'auto' | undefined): Promise<Running> => {
    if (logFile !== undefined) log ??= createLogFileWriter(logFile, config.logRotation);
    const started = await startProxy({
      proxy,
      port: port === 'auto' ? 0 : port,
      tls: tlsFiles === undefined || httpsPort === undefined ? undefined : { ...tlsFiles, port: httpsPort === 'auto' ? 0 : httpsPort },
      backends,
      accessLog,
    });
    return { engine: 'node', pid: undefined, port: started.port, httpsPort: started.httpsPort, close: () => started.close() };
  };
  let running: Running;
  let closed = false;
  try {
    if (engine.type === 'nginx') {
      const { startNginxFront } = await import('../proxy/nginx-front.js');
      const targets = [...new Set([...proxy.routes.map((route) => route.service), ...Object.values(proxy.hosts)])].sort();
      const front = await startNginxFront({
        nginx: engine.path,
        proxy,
        services: targets.map((name) => ({ name, port: mainPort(options.ports.get(name)) })),
        dir: options.dir,
        backends,
        port: await portFor(proxy.port, 'proxy.port'),
        tls: tlsFiles === undefined ? undefined : { ...tlsFiles, port: await portFor(proxy.https!.port, 'proxy.https.port') },
        accessLogFile: logFile,
        env: options.env,
        cwd: config.root,
        // nginx killed or crashed: devstack's own proxy takes its ports at once (a request or two may fail in between).
        onExit: (why) => {
          if (closed) return;
          // nginx's own leftovers go with it: the rotation timer (devstack's writer rotates from now
          // on), the PID file, and the front's hold sockets, readiness files and runtime folder.
          stopRotating?.();
          removeServicePidFile(config.logsDir, PROXY_LOG);
          void front.close();
          options.notice(`proxy: nginx exited (${why}); devstack's own proxy takes over on port ${front.port}`);
          const ports = front.httpsPort === undefined ? [front.port] : [front.port, front.httpsPort];
          void portsFreed(ports)
            .then(() => startNode(front.port, front.httpsPort))
            .then(
              (node) => {
                if (closed) return void node.close();
                running = node;
              },
              (error: unknown) => options.notice(`proxy: devstack's own proxy could not take over: ${(error as Error).message}`),
            );
        },
      });
      const stopRotating = logFile === undefined ? undefined : rotateByNginx(logFile, config.logRotation, front);
      // `down` and the reaper find nginx by this file: nginx writes its process title over its environment, marker included.
      writeServicePidFile(config.logsDir, {
        service: PROXY_LOG,
        pid: front.pid,
        pgid: front.pid,
        startTime: readProcInfo(front.pid)?.startTime,
        runId: options.runId,
        startedAt: new Date().toISOString(),
        port: front.port,
      });
      running = {
        engine: 'nginx',
        pid: front.pid,
        port: front.port,
        httpsPort: front.httpsPort,
        close: async () => {
          stopRotating?.();
          await front.close();
          removeServicePidFile(config.logsDir, PROXY_LOG);
        },
      };
    } else {
      running = await startNode(proxy.port, proxy.https?.port);
      if (engine.why !== undefined) options.notice(`proxy: devstack's own engine, not nginx: ${engine.why}`);
    }
  } catch (error) {
    await log?.close().catch(() => undefined);
    throw error;
  }
  return {
    get url() {
      return `http://127.0.0.1:${running.port}`;
    },
    get port() {
      return running.port;
    },
    get httpsUrl() {
      return running.httpsPort === undefined ? undefined : `https://localhost:${running.httpsPort}`;
    },
    get engine() {
      return running.engine;
    },
    get pid() {
      return running.pid;
    },
    changed: () => {
      known.clear();
      for (const listener of listeners) listener();
    },
    async close() {
      closed = true;
      await running.close();
      lines.flush();
      await log?.close().catch(() => undefined);
    },
  };
}
