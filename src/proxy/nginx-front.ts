/**
 * The proxy on nginx: devstack writes its config (nginx-config.ts), runs it as a supervised child
 * (its own process group, the run's marker, so `down` and the reaper find it as they find a
 * service), keeps the readiness files up to date, rotates the access log nginx writes in devstack's
 * own line format, and answers on unix sockets the requests nginx hands over: those for services
 * that are not ready, or whose connection was refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ResolvedProxy } from '../config/resolved.js';
import { LOCAL_HOST } from '../config/templates.js';
import { DevstackError } from '../errors.js';
import { writePrivateFile } from '../util/private-file.js';
import { nginxConfigOf } from './nginx-config.js';
import { startHoldServers, type ProxyBackends } from './proxy-server.js';

export interface NginxFrontOptions {
  readonly nginx: string;
  readonly proxy: ResolvedProxy;
  /** Every service a route or host name points at, and its port for this run. */
  readonly services: readonly { readonly name: string; readonly port: number | undefined }[];
  /** nginx's folder for this run: config, pid, temp files, gates, sockets (short: sockets' paths are limited). */
  readonly dir: string;
  readonly backends: ProxyBackends;
  /** The ports to listen on, free (checked, or found, by the caller). */
  readonly port: number;
  readonly tls: { readonly port: number; readonly cert: Buffer; readonly key: Buffer } | undefined;
  /** `logs/proxy.log`, when requests are logged: nginx writes it (the caller rotates it, then `reopenLogs`). */
  readonly accessLogFile: string | undefined;
  /** nginx's working folder: the project's, so that whatever looks for the project's processes finds it. */
  readonly cwd: string;
  /** nginx's environment: PATH and the run's marker. */
  readonly env: Readonly<Record<string, string>>;
  /** nginx exited while it should be serving (killed, crashed): its last error line. */
  readonly onExit: (why: string) => void;
}

export interface NginxFront {
  readonly pid: number;
  readonly port: number;
  readonly httpsPort: number | undefined;
  /** The access log was rotated: nginx opens the file at its path again (SIGUSR1). */
  reopenLogs(): void;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOCAL_HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startNginxFront(options: NginxFrontOptions): Promise<NginxFront> {
  const { proxy, dir } = options;
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi', 'gates'])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
  const holdSocket = (index: number): string => join(dir, `hold-${index}.sock`);
  const gateFile = (index: number): string => join(dir, 'gates', String(index));

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) await step(); // once, however often it is called
  };
  try {
    const { port } = options;
    const httpsPort = options.tls?.port;
    let certFile: string | undefined;
    let keyFile: string | undefined;
    if (options.tls !== undefined) {
      certFile = join(dir, 'cert.pem');
      keyFile = join(dir, 'key.pem');
      writePrivateFile(certFile, options.tls.cert.toString('utf8'));
      writePrivateFile(keyFile, options.tls.key.toString('utf8'));
    }
    // Made here, private as every log: nginx opens an existing file as it is (its own would be 0644).
    if (options.accessLogFile !== undefined) closeSync(openSync(options.accessLogFile, 'a', 0o600));
    const holders = await startHoldServers({
      proxy,
      backends: options.backends,
      sockets: options.services.map((service, index) => ({ service: service.name, path: holdSocket(index) })),
    });
    cleanups.push(() => holders.close());

    const config = nginxConfigOf({
      proxy,
      services: options.services,
      httpPort: port,
      https: httpsPort === undefined ? undefined : { port: httpsPort, certFile: certFile!, keyFile: keyFile! },
      dir,
      holdSocket,
      gateFile,
      accessLogFile: options.accessLogFile,
      asRoot: process.getuid?.() === 0,
    });
    const configFile = join(dir, 'nginx.conf');
    writeFileSync(configFile, config);

    const ready = new Set<number>();
    // The readiness files follow every state change.
    const changed = (): void => {
      options.services.forEach((service, index) => {
        const isReady = options.backends.availability(service.name).type === 'ready';
        if (isReady === ready.has(index)) return;
        if (isReady) {
          writeFileSync(gateFile(index), '');
          ready.add(index);
        } else {
          rmSync(gateFile(index), { force: true });
          ready.delete(index);
        }
      });
    };
    changed();
    const unsubscribe = options.backends.onChange(changed);
    cleanups.push(unsubscribe);

    // No `-e stderr` (nginx < 1.19.5 refuses it): as a user, nginx's alert about its default log
    // under /var/log comes before the config is read, and is harmless.
    const child: ChildProcess = spawn(options.nginx, ['-p', dir, '-c', configFile], {
      cwd: options.cwd,
      // UTC: the access log's times are ISO times in UTC, as every devstack log line.
      env: { ...options.env, TZ: 'UTC' },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let lastError = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const lines = chunk.trim().split('\n');
      // `2026/12/02 05:02:16 [emerg] 19934#19934: "…" must be …`: the text is what says why.
      lastError = (lines.at(-1) ?? lastError).replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\w+\] \d+#\d+: /, '');
    });
    let closing = false;
    // Until nginx listens, its exit is the start's failure (thrown below), not a death to take over from.
    let serving = false;
    const exited = new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(error.message));
      child.once('exit', (code, signal) => resolve(lastError || (signal === null ? `exit code ${code}` : `killed by ${signal}`)));
    });
    void exited.then((why) => {
      if (closing || !serving) return;
      // A worker outlives a killed master and would keep the ports: the whole group goes first.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      options.onExit(why.replace(/^nginx: /, ''));
    });
    const stopNginx = async (): Promise<void> => {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      // SIGTERM is nginx's fast shutdown; the group also takes a worker the master left behind.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the whole group is gone
      }
      if (!gone) await exited;
    };
    cleanups.push(stopNginx);

    const deadline = Date.now() + START_TIMEOUT_MS;
    let up = false;
    while (!up && Date.now() < deadline) {
      const outcome = await Promise.race([exited.then(() => 'exited' as const), accepts(port).then((yes) => (yes ? 'up' : 'no'))]);
      if (outcome === 'exited') {
        const why = (await exited).replace(/^nginx: /, '');
        throw new DevstackError(/in use/i.test(why) ? 'PORT_IN_USE' : 'PROXY_UNAVAILABLE', `proxy: nginx did not start: ${why}`, {
          field: 'proxy',
          hint: "set proxy.engine: 'node' to use devstack's own proxy instead",
        });
      }
      up = outcome === 'up';
      if (!up) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (!up)
      throw new DevstackError('PROXY_UNAVAILABLE', `proxy: nginx did not listen on port ${port} within ${START_TIMEOUT_MS / 1000} s`, {
        field: 'proxy',
        hint: "set proxy.engine: 'node' to use devstack's own proxy instead",
      });
    serving = true;
    return {
      pid: child.pid!,
      port,
      httpsPort,
      reopenLogs() {
        if (child.exitCode !== null || child.signalCode !== null) return; // its pid may be another process's by now
        try {
          process.kill(child.pid!, 'SIGUSR1');
        } catch {
          // exited: onExit takes over
        }
      },
      async close() {
        await cleanUp();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await cleanUp();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
