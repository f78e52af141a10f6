/**
 * The proxy of one run, when the config has one: loaded only then (httpxy and the proxy's code stay
 * out of every other supervisor), listening before the services start so that early requests wait
 * for them, and writing one line per request to `logs/proxy.log` (`devstack logs proxy`).
 */
import type { ResolvedConfig, ResolvedProxy } from '../config/resolved.js';
import { createLogFileWriter } from '../logs/log-file.js';
import { serviceLogPath } from '../logs/log-files.js';
import type { Availability } from '../proxy/availability.js';

/** The name of the proxy's log, as if it were a service. */
export const PROXY_LOG = 'proxy';

export interface StackProxy {
  readonly url: string;
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
  const log = proxy.accessLog ? createLogFileWriter(serviceLogPath(config.logsDir, PROXY_LOG), config.logRotation) : undefined;
  const lines = batched((batch) => void log?.write('out', batch, new Date().toISOString()));
  const started = await startProxy({
    proxy,
    port: proxy.port === 'auto' ? 0 : proxy.port,
    backends: {
      availability,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    accessLog: log === undefined ? undefined : (line) => void log.write('out', [line], new Date().toISOString()),
  }).catch(async (error: unknown) => {
    await log?.close().catch(() => undefined);
    throw error;
  });
  return {
    url: started.url,
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
