/**
 * The proxy of one run, when the config has one: loaded only then (httpxy and the proxy's code stay
 * out of every other supervisor), listening before the services start so that early requests wait
 * for them, and writing one line per request to `logs/proxy.log` (`devstack logs proxy`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ResolvedConfig, ResolvedProxy } from '../config/resolved.js';
import { DevstackError } from '../errors.js';
import { createLogFileWriter } from '../logs/log-file.js';
import { PROXY_LOG, serviceLogPath } from '../logs/log-files.js';
import type { Availability } from '../proxy/availability.js';

export interface StackProxy {
  readonly url: string;
  readonly port: number;
  readonly httpsUrl: string | undefined;
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

export async function startStackProxy(
  config: ResolvedConfig,
  proxy: ResolvedProxy,
  availability: (service: string) => Availability,
): Promise<StackProxy> {
  const { startProxy } = await import('../proxy/proxy-server.js');
  const listeners = new Set<() => void>();
  // Asked for every request, changed only with a state: kept until the next state change.
  const known = new Map<string, Availability>();
  const cachedAvailability = (service: string): Availability => {
    let found = known.get(service);
    if (found === undefined) {
      found = availability(service);
      if (found.type !== 'coming') known.set(service, found); // coming: asked again when it changes anyway
    }
    return found;
  };
  const tls =
    proxy.https === undefined
      ? undefined
      : { ...(await certificateOf(config, proxy)), port: proxy.https.port === 'auto' ? 0 : proxy.https.port };
  const log = proxy.accessLog ? createLogFileWriter(serviceLogPath(config.logsDir, PROXY_LOG), config.logRotation) : undefined;
  const lines = batched((batch) => void log?.write('out', batch, new Date().toISOString()));
  const started = await startProxy({
    proxy,
    port: proxy.port === 'auto' ? 0 : proxy.port,
    tls,
    backends: {
      availability: cachedAvailability,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    accessLog: log === undefined ? undefined : (line) => lines.add(line),
  }).catch(async (error: unknown) => {
    await log?.close().catch(() => undefined);
    throw error;
  });
  return {
    url: started.url,
    port: started.port,
    httpsUrl: started.httpsUrl,
    changed: () => {
      known.clear();
      for (const listener of listeners) listener();
    },
    async close() {
      await started.close();
      lines.flush();
      await log?.close().catch(() => undefined);
    },
  };
}
