import { readFileSync } from 'node:fs';

/**
 * A log file's text as it is now, or '' while it is missing: a log that rotates is renamed and the
 * next one created a moment later, so a poll can land in between.
 */
export function readCurrentFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
