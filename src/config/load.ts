/**
 * Finds services.config.{ts,mts,js,mjs} (walking up from the working directory, or at -c PATH),
 * imports it with jiti (Node 20 cannot load TypeScript itself), validates and resolves it.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { DevstackError } from '../errors.js';
import { firstProblem } from './format-issues.js';
import type { ResolvedConfig } from './resolved.js';
import { resolveConfig } from './resolve.js';
import { validateUserConfig } from './schema.js';

export const CONFIG_FILE_NAMES: readonly string[] = [
  'services.config.ts',
  'services.config.mts',
  'services.config.js',
  'services.config.mjs',
];

export interface LoadConfigOptions {
  /** Where devstack was run; the search starts here and messages name files relative to it. */
  readonly cwd: string;
  /** An explicit -c/--config path. */
  readonly configPath?: string;
}

export function findConfigFile({ cwd, configPath }: LoadConfigOptions): string {
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

// `import { defineConfig } from 'devstack'` must work in any project, installed or not, and must
// get this very copy of devstack: alias the specifier to our own entry point.
const selfEntry = fileURLToPath(new URL(`../index${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

async function importConfigModule(file: string, displayFile: string): Promise<unknown> {
  const jiti = createJiti(import.meta.url, { alias: { devstack: selfEntry }, moduleCache: false });
  try {
    const module = await jiti.import<Record<string, unknown>>(file);
    return module !== null && typeof module === 'object' && 'default' in module ? module.default : undefined;
  } catch (error) {
    throw new DevstackError('CONFIG_LOAD_FAILED', `${displayFile}: ${describeLoadError(error, file, displayFile)}`, {
      file: displayFile,
      hint: 'fix the error in the config file and run again',
      cause: error,
    });
  }
}

/** One line from whatever the import threw: a syntax error with its position, or the thrown message. */
function describeLoadError(error: unknown, file: string, displayFile: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = (message.split('\n').find((line) => line.trim() !== '') ?? 'unknown error').trim();
  const withoutPath = firstLine.split(file).join(displayFile);
  if (error instanceof SyntaxError || /^(ParseError|SyntaxError)\b/.test(withoutPath)) {
    // jiti's parser puts the position on a later line as `<file>:<line>:<column>`.
    const position = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`).exec(message);
    const at = position ? ` (line ${position[1]}, column ${Number(position[2]) + 1})` : '';
    return `syntax error${at}: ${withoutPath.replace(/^(SyntaxError|ParseError):\s*/, '').trim()}`;
  }
  return `error while loading: ${withoutPath}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const file = findConfigFile(options);
  const displayFile = displayPath(file, options.cwd);
  return configFromExport(await importConfigModule(file, displayFile), file, displayFile);
}

/** Validates and resolves what a config module exported; throws a DevstackError for any problem. */
export function configFromExport(exported: unknown, file: string, displayFile: string): ResolvedConfig {
  if (exported === undefined) {
    throw new DevstackError('CONFIG_INVALID', `${displayFile}: expected a default export, got nothing`, {
      file: displayFile,
      hint: 'add: export default defineConfig({ services: { … } })',
    });
  }
  const parsed = validateUserConfig(exported);
  if (!parsed.ok) {
    const problem = firstProblem(parsed.error);
    throw new DevstackError('CONFIG_INVALID', `${displayFile}: ${problem.message}`, { file: displayFile, field: problem.field });
  }
  return resolveConfig({ config: parsed.value, file, displayFile });
}
