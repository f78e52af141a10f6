/**
 * Turns file changes into restarts: one stack-wide watcher, one restart gate for the stack (it
 * restarts at the first change, spawns once the files are quiet, and restarts services changed
 * together as one set: watch/change-restarts.ts), and a restart-loop check per service. A service
 * found rewriting its own watched files is no longer restarted on changes until `devstack restart`
 * (resume()).
 *
 * `watch: true` on a service whose folder is a workspace package also watches the local packages
 * it depends on (workspaces/workspace-graph.ts): an edit in `packages/shared` restarts every
 * service that uses it, once each, in dependency order, saying `(…/jwt.ts changed, via @clinic/shared)`.
 */
import { relative, resolve } from 'node:path';
import type { ResolvedService } from '../config/resolved.js';
import { createChangeRestarts } from '../watch/change-restarts.js';
import { createRestartLoopDetector, type RestartLoopDetector, type RunWindow } from '../watch/restart-loop.js';
import type { StackWatcher, WatchTarget } from '../watch/stack-watcher.js';
import type { WatchedPackage } from '../workspaces/workspace-graph.js';
import type { RestartCause } from './events.js';
import type { Clock } from '../util/clock.js';
import { isInside } from '../util/inside.js';

/**
 * How far a file's mtime may read behind the clock at the moment of the write: the kernel stamps
 * files from a clock updated once a tick (1–10 ms). A missed write this close to a spawn restarts
 * the service (once, needlessly at worst) rather than leave it running old code.
 */
const MTIME_LAG_MS = 10;

export interface FileWatchingOptions {
  /** The services of the run that have `watch`. */
  readonly services: readonly ResolvedService[];
  /** Every service of the run: one whose folder is a package builds it (its output is watched instead). */
  readonly runServices: readonly ResolvedService[];
  /** The config's folder: where the workspaces are declared, and what package paths are shown relative to. */
  readonly root: string;
  readonly logsDir: string;
  readonly clock: Clock;
  readonly runWindow: (service: string) => RunWindow | undefined;
  /** Resolves when the restart is over (or at once, if none happens); the new processes wait for `beforeSpawn`. */
  readonly onRestart: (targets: ReadonlyMap<string, RestartCause>, beforeSpawn: () => Promise<void>) => Promise<unknown>;
  readonly onLoop: (service: string, file: string) => void;
}

export interface FileWatching {
  /** What each service watches, as paths relative to the config's folder (`packages/shared (@clinic/shared)`). */
  readonly watching: ReadonlyMap<string, readonly string[]>;
  resume(service: string): void;
  close(): Promise<void>;
}

interface ServiceWatch {
  readonly service: ResolvedService;
  readonly packages: readonly WatchedPackage[];
  readonly detector: RestartLoopDetector;
}

async function packagesOf(options: FileWatchingOptions): Promise<Map<string, readonly WatchedPackage[]>> {
  const following = options.services.filter((service) => service.watch!.workspace);
  const packages = new Map<string, readonly WatchedPackage[]>();
  if (following.length === 0) return packages;
  // Loaded only when a service follows its workspace: reading the graph needs a glob and YAML.
  const { readWorkspaceGraph } = await import('../workspaces/workspace-graph.js');
  const graph = readWorkspaceGraph(options.root);
  const builtDirs = new Set(options.runServices.map((service) => resolve(service.cwd)));
  for (const service of following) {
    const others = new Set([...builtDirs].filter((dir) => dir !== resolve(service.cwd)));
    packages.set(service.name, graph.packagesUsedBy(service.cwd, others));
  }
  return packages;
}

export async function createFileWatching(options: FileWatchingOptions): Promise<FileWatching | undefined> {
  if (options.services.length === 0) return undefined;
  // No service of the run spawned before this: a file written since then, before the watcher could
  // see it, may be newer than what a service read.
  const blindSince = options.clock.now();
  const paused = new Set<string>();
  const packages = await packagesOf(options);
  const watches = new Map<string, ServiceWatch>(
    options.services.map((service) => [
      service.name,
      { service, packages: packages.get(service.name) ?? [], detector: createRestartLoopDetector() },
    ]),
  );
  const shown = (path: string): string => relative(options.root, path) || '.';

  /** The cause of a change: the file relative to the service's folder, or to the repo with the package it came through. */
  const causeOf = (watch: ServiceWatch, path: string): RestartCause => {
    if (isInside(watch.service.cwd, path)) return { type: 'change', file: relative(watch.service.cwd, path) || path };
    const via = watch.packages.find((entry) => isInside(entry.dir, path));
    return { type: 'change', file: shown(path), via: via?.name };
  };

  const gate = createChangeRestarts({
    quietMs: (service) => watches.get(service)?.service.watch!.debounceMs ?? 0,
    clock: options.clock,
    restart: async (changed, at, beforeSpawn) => {
      const targets = new Map<string, RestartCause>();
      for (const [name, path] of changed) {
        const watch = watches.get(name)!;
        const cause = causeOf(watch, path);
        if (watch.detector.isLoop(at, options.runWindow(name))) {
          paused.add(name);
          watch.detector.reset();
          options.onLoop(name, cause.type === 'change' ? cause.file : path);
          continue;
        }
        targets.set(name, cause);
      }
      if (targets.size > 0) await options.onRestart(targets, beforeSpawn);
    },
  });

  // Loaded only for a stack that watches files: chokidar is ~4 MB of the long-lived supervisor's memory.
  const { createStackWatcher } = await import('../watch/stack-watcher.js');
  const targets: WatchTarget[] = [...watches.values()].map(({ service, packages: used }) => ({
    service: service.name,
    cwd: service.cwd,
    paths: [...service.watch!.paths, ...used.map((entry) => entry.dir)],
    ignore: service.watch!.ignore,
    // A package built in the stack is watched at its build output, which the always-ignored
    // folder names (dist, build) must not hide.
    outputs: used.filter((entry) => entry.output).map((entry) => entry.dir),
  }));
  const watcher: StackWatcher = await createStackWatcher(
    targets,
    options.logsDir,
    (service, path, writtenAt) => {
      if (paused.has(service)) return;
      if (writtenAt !== undefined) {
        // Found by the watcher's first scan, not seen happen: it restarts only a service that spawned before the write.
        const run = options.runWindow(service);
        if (run === undefined || writtenAt + MTIME_LAG_MS < run.startedAt) return;
      }
      gate.change(service, path);
    },
    blindSince,
  );
  const watching = new Map(
    [...watches.values()].map(({ service, packages: used }) => [
      service.name,
      [
        ...service.watch!.paths.map(shown),
        ...used.map((entry) => `${shown(entry.dir)} (${entry.name}${entry.output ? ', build output' : ''})`),
      ],
    ]),
  );
  return {
    watching,
    resume: (service) => void paused.delete(service),
    async close() {
      gate.cancel();
      await watcher.close();
    },
  };
}
