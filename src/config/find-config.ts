/**
 * Finds services.config.{ts,mts,js,mjs}: walking up from the working directory, or at -c PATH.
 * Nothing heavy is imported here: commands that only need the path (to find a running stack) stay fast.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { DevstackError } from '../errors.js';

export const CONFIG_FILE_NAMES: readonly string[] = [
  'services.config.ts',
  'services.config.mts',
  'services.config.js',
  'services.config.mjs',
];

export interface FindConfigOptions {
  /** Where devstack was run; the search starts here and messages name files relative to it. */
  readonly cwd: string;
  /** An explicit -c/--config path. */
  readonly configPath?: string;
}

export function findConfigFile({ cwd, configPath }: FindConfigOptions): string {
  if (configPath !== undefined) {
    const file = resolvePath(cwd, configPath);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new DevstackError('CONFIG_NOT_FOUND', `config file not found: ${configPath}`, {
        hint: 'check the path given to -c/--config',
      });
    }
    return file;
  }
  for (let dir = resolvePath(cwd); ; dir = dirname(dir)) {
    const found = CONFIG_FILE_NAMES.map((name) => join(dir, name)).find((file) => existsSync(file));
    if (found !== undefined) return found;
    if (dirname(dir) === dir) break;
  }
  throw new DevstackError('CONFIG_NOT_FOUND', `no services.config.ts found in ${cwd} or any parent folder`, {
    hint: 'create services.config.ts (export default defineConfig({ services: { … } })) or pass -c PATH',
  });
}

export function displayPath(file: string, cwd: string): string {
  const fromCwd = relative(cwd, file);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? file : fromCwd;
}
