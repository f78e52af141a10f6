/**
 * The resolved config of the last load, keyed by everything resolution depends on: what the config
 * module exported (serialized), its path, how it is displayed, and the devstack build. Resolution is
 * pure, so an equal key means an equal result, and a hit skips the validator — loading zod alone
 * costs ~100 ms per command, more than the rest of a `devstack ps`. The config module itself still
 * runs every time (it may read files or the environment), so a changed value is never missed.
 * Values a key cannot capture (functions, symbols) disable the cache for that load.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from './resolved.js';
import { deserializeConfig, serializeConfig } from './serialize.js';
import { writePrivateFile } from '../util/private-file.js';

/**
 * Changes whenever devstack is rebuilt or upgraded: this module's own file (tsc and the bundler
 * rewrite every output file on each build; in a bundle it is the chunk holding the resolver too).
 */
function buildStamp(): string {
  try {
    const stat = statSync(fileURLToPath(import.meta.url));
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'unknown';
  }
}

class Uncacheable extends Error {}

/** A stable text for a plain config value; throws Uncacheable for what JSON cannot say. */
function stableText(value: unknown, seen: Set<object> = new Set()): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (typeof value !== 'object') throw new Uncacheable();
  if (seen.has(value)) throw new Uncacheable();
  seen.add(value);
  const text = Array.isArray(value)
    ? `[${value.map((item) => stableText(item, seen)).join(',')}]`
    : Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
      ? `{${Object.keys(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${stableText((value as Record<string, unknown>)[key], seen)}`)
          .join(',')}}`
      : (() => {
          throw new Uncacheable();
        })();
  seen.delete(value);
  return text;
}

export function configCacheKey(exported: unknown, file: string, displayFile: string): string | undefined {
  try {
    return createHash('sha256')
      .update(`${buildStamp()}\0${file}\0${displayFile}\0${stableText(exported)}`)
      .digest('hex');
  } catch (error) {
    if (error instanceof Uncacheable) return undefined;
    throw error;
  }
}

export function readCachedConfig(cacheFile: string, key: string): ResolvedConfig | undefined {
  try {
    const text = readFileSync(cacheFile, 'utf8');
    const newline = text.indexOf('\n');
    return text.slice(0, newline) === key ? deserializeConfig(text.slice(newline + 1)) : undefined;
  } catch {
    return undefined; // absent, unreadable or torn: resolve afresh
  }
}

export function writeCachedConfig(cacheFile: string, key: string, config: ResolvedConfig): void {
  try {
    writePrivateFile(cacheFile, `${key}\n${serializeConfig(config)}`);
  } catch {
    // a cache that cannot be written only costs the next command its speed
  }
}
