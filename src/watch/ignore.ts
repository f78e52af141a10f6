/**
 * Which changed paths do not restart a service. Always ignored: node_modules, .git, dist, build,
 * coverage, logs folders, and devstack's own logs folder. On top, the service's `watch.ignore`
 * patterns: `*` matches within a path segment, `**` across segments, `?` one character. A pattern
 * without `/` matches any segment (`*.tmp`, `generated`); one with `/` matches the path relative to
 * the service's cwd (`src/generated/**`).
 */
import { isAbsolute, relative, sep } from 'node:path';
import { isInside } from '../util/inside.js';

export const ALWAYS_IGNORED_DIRS: readonly string[] = ['node_modules', '.git', 'dist', 'build', 'coverage', 'logs'];

export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
      if (pattern[index + 1] === '/') index++; // `**/` also matches zero folders
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * True for paths inside a folder devstack never watches (checked by the watcher while scanning).
 * Inside one of `outputs` (a shared package's build output, watched on purpose) only the part
 * below it is checked: `packages/shared/dist/index.js` counts, `…/dist/node_modules/x` does not.
 */
export function isAlwaysIgnored(path: string, logsDir: string, outputs: readonly string[] = []): boolean {
  if (isInside(logsDir, path)) return true;
  const output = outputs.find((dir) => isInside(dir, path));
  const checked = output === undefined ? path : path.slice(output.length);
  return checked.split(sep).some((segment) => ALWAYS_IGNORED_DIRS.includes(segment));
}

/** A matcher for one service's own patterns. */
export function createIgnoreMatcher(cwd: string, patterns: readonly string[]): (path: string) => boolean {
  const matchers = patterns.map((pattern) => ({
    regexp: globToRegExp(pattern.replace(/^\.\//, '').replace(/\/$/, '')),
    anySegment: !pattern.includes('/'),
  }));
  return (path) => {
    const fromCwd = isAbsolute(path) ? relative(cwd, path) : path;
    const posix = fromCwd.split(sep).join('/');
    const segments = posix.split('/');
    return matchers.some(({ regexp, anySegment }) =>
      anySegment
        ? segments.some((segment) => regexp.test(segment))
        : regexp.test(posix) || segments.some((_, i) => regexp.test(segments.slice(0, i + 1).join('/'))),
    );
  };
}
