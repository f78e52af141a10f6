/**
 * One chokidar watcher for the whole stack, not one per service: 50 services stay cheap, and a
 * folder shared by several services is watched once. Each change is routed to the services whose
 * watch paths contain it and whose own ignore patterns do not match it.
 */
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
 * written since `missedSince` (epoch ms) that its first scan finds — services spawn while chokidar
 * still reads the folders (a second or more in a big repo), and a change before a file is watched
 * makes no event. The scan's own `add` events carry the stats chokidar read anyway, so this costs
 * no second look at the files. A deletion before the scan is not seen.
 */
export async function createStackWatcher(
  targets: readonly WatchTarget[],
  logsDir: string,
  onChange: (service: string, path: string, writtenAt?: number) => void,
  missedSince: number,
): Promise<StackWatcher> {
  const routes = targets.map((target) => ({ ...target, ignored: createIgnoreMatcher(target.cwd, target.ignore) }));
  const paths = [...new Set(routes.flatMap((route) => route.paths))];
  const outputs = [...new Set(routes.flatMap((route) => route.outputs ?? []))];
  const watcher = chokidar.watch(paths, {
    // The first scan reports every file (with its stats, before 'ready'): only the new ones count.
    ignoreInitial: false,
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
  let scanned = false;
  watcher
    .on('add', (path, stats) => {
      if (scanned) return route(path);
      if (stats !== undefined && stats.mtimeMs >= missedSince) route(path, stats.mtimeMs);
    })
    .on('change', (path) => route(path))
    .on('unlink', (path) => route(path));
  await new Promise<void>((resolve) =>
    watcher.once('ready', () => {
      scanned = true;
      resolve();
    }),
  );
  return { close: () => watcher.close() };
}
