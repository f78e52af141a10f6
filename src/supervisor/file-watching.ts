/**
 * Turns file changes into restarts: one stack-wide watcher, a restart gate per service (it restarts
 * at the first change and spawns once the files are quiet: watch/change-restarts.ts), and a
 * restart-loop check. A service found rewriting its own watched files is no longer restarted on
 * changes until `devstack restart` (resume()).
 */
import { relative } from 'node:path';
import type { ResolvedService } from '../config/resolved.js';
import { createChangeRestarts, type ChangeRestarts } from '../watch/change-restarts.js';
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
  /** Resolves when the restart is over (or at once, if none happens); the new process waits for `beforeSpawn`. */
  readonly onRestart: (service: string, cause: RestartCause, beforeSpawn: () => Promise<void>) => Promise<unknown>;
  readonly onLoop: (service: string, file: string) => void;
}

export interface FileWatching {
  resume(service: string): void;
  close(): Promise<void>;
}

export async function createFileWatching(options: FileWatchingOptions): Promise<FileWatching | undefined> {
  if (options.services.length === 0) return undefined;
  const paused = new Set<string>();
  const gates = new Map<string, ChangeRestarts>();
  for (const service of options.services) {
    const detector = createRestartLoopDetector();
    gates.set(
      service.name,
      createChangeRestarts({
        quietMs: service.watch!.debounceMs,
        clock: options.clock,
        restart: async (path, at, beforeSpawn) => {
          const file = relative(service.cwd, path) || path;
          if (detector.isLoop(at, options.runWindow(service.name))) {
            paused.add(service.name);
            detector.reset();
            options.onLoop(service.name, file);
            return;
          }
          await options.onRestart(service.name, { type: 'change', file }, beforeSpawn);
        },
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
      if (!paused.has(service)) gates.get(service)?.change(path);
    },
  );
  return {
    resume: (service) => void paused.delete(service),
    async close() {
      for (const gate of gates.values()) gate.cancel();
      await watcher.close();
    },
  };
}
