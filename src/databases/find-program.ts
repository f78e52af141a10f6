/** Finding installed programs: on PATH, or in the folders distributions put servers in. */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where distributions put servers (sbin is not on a regular user's PATH). */
export const SERVER_DIRS: readonly string[] = ['/usr/sbin', '/usr/local/sbin'];

export function findOnPath(program: string, pathVariable: string | undefined, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(pathVariable ?? '').split(delimiter).filter((dir) => dir !== ''), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `15` matches `15` and `15.4`; `15.4` matches `15`. */
export function sameMajor(found: string, wanted: string): boolean {
  return found === wanted || found.split('.')[0] === wanted.split('.')[0];
}
