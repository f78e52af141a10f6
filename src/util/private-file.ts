import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `path` readable by its owner only (0600), through a temporary file and a rename:
 * a reader never sees half a file, and a file that existed with wider rights is replaced, not
 * reused with them.
 */
export function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}
