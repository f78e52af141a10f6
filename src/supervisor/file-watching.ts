/**
 * Turns file changes into restarts: one stack-wide watcher, a debounce per service, and a
 * restart-loop check. A service found rewriting its own watched files is no longer restarted on
 * changes until `devstack restart` (resume()).
 */
import { relative } from 'node:path';
import type { ResolvedService } from '../config/resolved.js';
import { createDebouncer, type Debouncer } from '../watch/debounce.js';
import { createRestartLoopDetector, type RunWindow } from '../watch/restart-loop.js';
import type { StackWatcher } from '../watch/stack-watcher.js';
import type { RestartCause } from './events.js';
import type { Clock } from '../util/clock.js';

export interface FileWatchingOptions {
  /** The services of the run that have `watch`. */
  readonly services: readonly ResolvedService[];
  readonly logsDir: string;
  readonly clock: Clock;
  readonly runWindow: (service: string) => RunWindow | undefined;
  readonly onRestart: (service: string, cause: RestartCause) => void;
  readonly onLoop: (service: string, file: string) => void;
}

export interface FileWatching {
  resume(service: string): void;
  close(): Promise<void>;
}

interface Change {
  readonly path: string;
  readonly at: number;
}

export async function createFileWatching(options: FileWatchingOptions): Promise<FileWatching | undefined> {
  if (options.services.length === 0) return undefined;
  const paused = new Set<string>();
  const debouncers = new Map<string, Debouncer<Change>>();
  for (const service of options.services) {
    const detector = createRestartLoopDetector();
    debouncers.set(
      service.name,
      createDebouncer<Change>(service.watch!.debounceMs, (changes) => {
        const first = changes[0]!;
        const file = relative(service.cwd, first.path) || first.path;
        if (detector.isLoop(first.at, options.runWindow(service.name))) {
          paused.add(service.name);
          detector.reset();
          options.onLoop(service.name, file);
          return;
        }
        options.onRestart(service.name, { type: 'change', file });
      }),
    );
  }
  // Loaded only for a stack that watches files: chokidar is ~4 MB of the long-lived supervisor's memory.
  const { createStackWatcher } = await import('../watch/stack-watcher.js');
  const watcher: StackWatcher = await createStackWatcher(
    options.services.map((service) => ({
      service: service.name,
      cwd: service.cwd,
      paths: service.watch!.paths,
      ignore: service.watch!.ignore,
    })),
    options.logsDir,
    (service, path) => {
      if (!paused.has(service)) debouncers.get(service)?.push({ path, at: options.clock.now() });
    },
  );
  return {
    resume: (service) => void paused.delete(service),
    async close() {
      for (const debouncer of debouncers.values()) debouncer.cancel();
      await watcher.close();
    },
  };
}
