/**
 * One chokidar watcher for the whole stack, not one per service: 50 services stay cheap, and a
 * folder shared by several services is watched once. Each change is routed to the services whose
 * watch paths contain it and whose own ignore patterns do not match it.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import chokidar from 'chokidar';
import { isInside } from '../util/inside.js';
import { trace } from '../util/trace.js';
import { createIgnoreMatcher, isAlwaysIgnored } from './ignore.js';

export interface WatchTarget {
  readonly service: string;
  readonly cwd: string;
  readonly paths: readonly string[];
  readonly ignore: readonly string[];
  /** Build output folders among `paths`: watched although their names (dist, build) are always ignored elsewhere. */
  readonly outputs?: readonly string[];
}

export interface StackWatcher {
  close(): Promise<void>;
}

/**
 * `onChange` hears each change; `writtenAt` is set for one the watcher could not see happen: a file
 * written since `missedSince` (epoch ms), before the watcher was ready — services spawn while it
 * still reads the folders (a second or more in a big repo), and chokidar reports nothing of what
 * changed before it watched. Found by the files' mtimes once it is ready; a deletion then is not seen.
 */
export async function createStackWatcher(
  targets: readonly WatchTarget[],
  logsDir: string,
  onChange: (service: string, path: string, writtenAt?: number) => void,
  missedSince?: number,
): Promise<StackWatcher> {
  const routes = targets.map((target) => ({ ...target, ignored: createIgnoreMatcher(target.cwd, target.ignore) }));
  const paths = [...new Set(routes.flatMap((route) => route.paths))];
  const outputs = [...new Set(routes.flatMap((route) => route.outputs ?? []))];
  const watcher = chokidar.watch(paths, {
    ignoreInitial: true,
    ignored: (path: string) => isAlwaysIgnored(path, logsDir, outputs),
  });
  const route = (path: string, writtenAt?: number): void => {
    trace(`watch ${path}`);
    for (const target of routes) {
      const inside = target.paths.some((root) => isInside(root, path));
      // Another service's build output folder is not this service's to watch, unless it is its own.
      const hidden = outputs.length > 0 && isAlwaysIgnored(path, logsDir, target.outputs ?? []);
      if (inside && !hidden && !target.ignored(path)) onChange(target.service, path, writtenAt);
    }
  };
  watcher
    .on('add', (path) => route(path))
    .on('change', (path) => route(path))
    .on('unlink', (path) => route(path));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  if (missedSince !== undefined) {
    let looked = 0;
    for (const [dir, names] of Object.entries(watcher.getWatched())) {
      for (const name of names) {
        const path = join(dir, name);
        const written = writtenSince(path, missedSince);
        if (written !== undefined) route(path, written);
        // ~10 µs a file: a tree of 20,000 would hold the supervisor's probes and logs for 200 ms at once.
        if (++looked % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  return { close: () => watcher.close() };
}

/** A file's mtime when it is at or after `since`; undefined for an older file, a folder, or one gone. */
function writtenSince(path: string, since: number): number | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() && stats.mtimeMs >= since ? stats.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}
