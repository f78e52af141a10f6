import { sep } from 'node:path';

/** Whether absolute `path` is `dir` or below it (`/a/bc` is not below `/a/b`). */
export function isInside(dir: string, path: string): boolean {
  if (path === dir) return true;
  return path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}
