/**
 * Finds services.config.{ts,mts,js,mjs} (walking up from the working directory, or at -c PATH),
 * imports it with jiti (Node 20 cannot load TypeScript itself), validates and resolves it.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevstackError } from '../errors.js';
import { configCacheKey, readCachedConfig, writeCachedConfig } from './config-cache.js';
import { displayPath, findConfigFile, type FindConfigOptions } from './find-config.js';
import type { ResolvedConfig } from './resolved.js';

export { CONFIG_FILE_NAMES, displayPath, findConfigFile } from './find-config.js';

export interface LoadConfigOptions extends FindConfigOptions {
  /** Where the last resolved config is kept (config-cache.ts); no cache without it. */
  readonly cacheFile?: string;
}

// `import { defineConfig } from 'devstack'` must work in any project, installed or not, and must
// get this very copy of devstack: alias the specifier to our own entry point.
const selfEntry = fileURLToPath(new URL(`../index${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

const requireHere = createRequire(import.meta.url);

async function importConfigModule(file: string, displayFile: string): Promise<unknown> {
  // Loaded here, not at the top: commands that only find a running stack never need it. Required,
  // not imported: an import() of its CommonJS build runs Node's export scanner over 190 KB first
  // (measured: ~60 ms to load jiti by import(), ~32 ms by require()).
  const { createJiti } = requireHere('jiti') as typeof import('jiti');
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
  const exported = await importConfigModule(file, displayFile);
  const key = options.cacheFile === undefined ? undefined : configCacheKey(exported, file, displayFile);
  if (key !== undefined) {
    const cached = readCachedConfig(options.cacheFile!, key);
    if (cached !== undefined) return cached;
  }
  const config = await configFromExport(exported, file, displayFile);
  if (key !== undefined) writeCachedConfig(options.cacheFile!, key, config);
  return config;
}

/**
 * Validates and resolves what a config module exported; throws a DevstackError for any problem.
 * The validator is loaded here, not at the top: a cached config never needs it.
 */
export async function configFromExport(exported: unknown, file: string, displayFile: string): Promise<ResolvedConfig> {
  const [{ validateUserConfig }, { firstProblem }, { resolveConfig }] = await Promise.all([
    import('./schema.js'),
    import('./format-issues.js'),
    import('./resolve.js'),
  ]);
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
