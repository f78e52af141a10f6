/** Makes sure the logs folder exists and can be written, before anything is started. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevstackError } from '../errors.js';

export function ensureLogsDir(logsDir: string, displayDir: string): void {
  try {
    // Created private (0700): services' logs may hold whatever they print, secrets included.
    mkdirSync(logsDir, { recursive: true, mode: 0o700 });
    const probe = join(logsDir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new DevstackError('STATE_DIR_UNWRITABLE', `cannot write to the logs folder ${displayDir} (${code})`, {
      hint: `make ${displayDir} a writable folder, or set logsDir in the config to one`,
      cause: error,
    });
  }
}
