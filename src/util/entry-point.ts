/**
 * The script that runs devstack's CLI, for starting its own helpers (the background supervisor, the
 * guardian's reaper) with the same code. main.ts records itself at startup, which also makes it right
 * when the CLI is bundled (a bundled chunk cannot find main.js relative to itself).
 */
import { fileURLToPath } from 'node:url';

let main: string | undefined;

export function setMainScript(path: string): void {
  main = path;
}

export function mainScript(): string {
  return main ?? fileURLToPath(new URL('../cli/main.js', import.meta.url));
}
