/**
 * PATH as npm scripts see it: `node_modules/.bin` of the folder and of each parent first, then the
 * folder of the running `node`, then the PATH given. What execa's `preferLocal` did, without
 * loading execa into the long-lived supervisor (about 9 MB of its memory, see README "Building blocks").
 */
import { delimiter, dirname, join, resolve } from 'node:path';

export function localBinPath(cwd: string, pathVariable: string | undefined): string {
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(join(dir, 'node_modules', '.bin'));
    if (dirname(dir) === dir) break;
  }
  dirs.push(dirname(process.execPath));
  return [...dirs, ...(pathVariable === undefined || pathVariable === '' ? [] : [pathVariable])].join(delimiter);
}

/** `env` with PATH (whatever its case in the given env) replaced by the local-first one. */
export function withLocalBinPath(env: Readonly<Record<string, string>>, cwd: string): Record<string, string> {
  const key = Object.keys(env).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH';
  return { ...env, [key]: localBinPath(cwd, env[key]) };
}
