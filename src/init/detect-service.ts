/**
 * What `devstack init` can tell about one package without running it: the script that starts it,
 * the framework, its port (from the script's flags, its .env files, its source, or the framework's
 * default), a health check worth trying, and which environment variables it reads. Every finding
 * says where it came from, so the written config can mark its guesses.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { readEnvFile } from '../env/env-file.js';
import { selfWatcherIn } from '../config/self-watching.js';
import type { PackageManifest } from '../workspaces/find-packages.js';
import { SKIPPED_FOLDERS } from '../workspaces/find-packages.js';

interface Framework {
  readonly name: string;
  readonly packages: readonly string[];
  readonly script: RegExp;
  readonly defaultPort: number | undefined;
  /** It takes its port from $PORT by itself; otherwise it needs a flag. */
  readonly readsPort: boolean;
  readonly portFlag: string | undefined;
  /** Serves pages: `/` answers once it is up. */
  readonly servesPages: boolean;
}

const FRAMEWORKS: readonly Framework[] = [
  { name: 'Next.js', packages: ['next'], script: /\bnext\b/, defaultPort: 3000, readsPort: true, portFlag: '-p', servesPages: true },
  { name: 'Nuxt', packages: ['nuxt'], script: /\bnuxi?\b/, defaultPort: 3000, readsPort: true, portFlag: '--port', servesPages: true },
  { name: 'Astro', packages: ['astro'], script: /\bastro\b/, defaultPort: 4321, readsPort: false, portFlag: '--port', servesPages: true },
  {
    name: 'Angular',
    packages: ['@angular/cli'],
    script: /\bng\s+serve\b/,
    defaultPort: 4200,
    readsPort: false,
    portFlag: '--port',
    servesPages: true,
  },
  {
    name: 'Create React App',
    packages: ['react-scripts'],
    script: /\breact-scripts\b/,
    defaultPort: 3000,
    readsPort: true,
    portFlag: undefined,
    servesPages: true,
  },
  { name: 'Vite', packages: ['vite'], script: /\bvite\b/, defaultPort: 5173, readsPort: false, portFlag: '--port', servesPages: true },
  {
    name: 'NestJS',
    packages: ['@nestjs/core'],
    script: /\bnest\s+start\b/,
    defaultPort: 3000,
    readsPort: false,
    portFlag: undefined,
    servesPages: false,
  },
  {
    name: 'Fastify CLI',
    packages: ['fastify-cli'],
    script: /\bfastify\s+start\b/,
    defaultPort: 3000,
    readsPort: true,
    portFlag: '-p',
    servesPages: false,
  },
];

export interface Finding<T> {
  readonly value: T;
  /** Where it came from: "its dev script (--port 3001)", "Vite's default". */
  readonly from: string;
  /** A guess the user should check (a default, a heuristic), as opposed to something read. */
  readonly guess: boolean;
}

export interface DetectedService {
  readonly script: string;
  readonly scriptText: string;
  readonly framework: string | undefined;
  /** `-- --port $PORT` for a framework that ignores $PORT and whose script names no port. */
  readonly portArguments: string | undefined;
  readonly port: Finding<number | 'auto'> | undefined;
  readonly health: Finding<string | { readonly tcp: string }> | undefined;
  /** Restarts on changes by itself (nodemon, vite, next dev…): devstack's watch stays off. */
  readonly watchesItself: string | undefined;
  /** Variables its own source reads that name another service or a database (*_URL, *_HOST…). */
  readonly readsVariables: readonly string[];
  /** Values of its .env files, for *_URL variables that point at a sibling's port. */
  readonly dotenv: Readonly<Record<string, string>>;
}

const SCRIPT_ORDER = ['dev', 'start:dev', 'develop', 'serve', 'start'];
const SOURCE_GLOBS = ['*.{js,mjs,cjs,ts,mts,cts}', '{src,app,server,lib,api,apps}/**/*.{js,mjs,cjs,ts,mts,cts,jsx,tsx}'];
const MAX_SOURCE_FILES = 300;
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/** The package's source text, bounded: a huge repo must not make init slow. */
export function readSources(dir: string): string {
  const files = globSync(SOURCE_GLOBS, { cwd: dir, ignore: [...SKIPPED_FOLDERS, '**/*.d.ts', '**/*.{test,spec}.*'] }).slice(
    0,
    MAX_SOURCE_FILES,
  );
  let total = 0;
  const parts: string[] = [];
  for (const file of files) {
    try {
      const size = statSync(join(dir, file)).size;
      if (total + size > MAX_SOURCE_BYTES) break;
      total += size;
      parts.push(readFileSync(join(dir, file), 'utf8'));
    } catch {
      // vanished or unreadable: skip it
    }
  }
  return parts.join('\n');
}

function dotenvOf(dir: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of ['.env', '.env.development', '.env.local', '.env.development.local', '.env.example']) {
    const file = readEnvFile(join(dir, name));
    if (file?.ok) for (const [key, value] of Object.entries(file.value)) values[key] ??= value;
  }
  return values;
}

const HEALTH_ROUTES = ['/health', '/healthz', '/api/health', '/health/live', '/ping', '/status', '/ready'];

function healthRoute(source: string): string | undefined {
  return HEALTH_ROUTES.find((route) => new RegExp(`['"\`]${route.replace(/\//g, '\\/')}['"\`]`).test(source));
}

function portFromScript(script: string): number | undefined {
  const match = /(?:--port[= ]|(?:^|\s)-p[= ]?|\bPORT=)(\d{2,5})\b/.exec(script);
  return match ? Number(match[1]) : undefined;
}

function portFromSource(source: string): number | undefined {
  const match = /(?:\bPORT\b['"\]]?\s*(?:\|\||\?\?|,)\s*['"]?|\.listen\(\s*)(\d{2,5})\b/.exec(source);
  const port = match ? Number(match[1]) : undefined;
  return port !== undefined && port >= 80 && port <= 65535 ? port : undefined;
}

const readsPortVariable = (source: string): boolean => /\bPORT\b/.test(source);

export function detectService(dir: string, manifest: PackageManifest, sharedSources: string): DetectedService | undefined {
  const scripts = manifest.scripts ?? {};
  const script = SCRIPT_ORDER.find((name) => typeof scripts[name] === 'string' && scripts[name]!.trim() !== '');
  if (script === undefined) return undefined;
  const scriptText = scripts[script]!;
  const dependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  const framework = FRAMEWORKS.find(
    (candidate) => candidate.script.test(scriptText) && candidate.packages.some((name) => dependencies.includes(name)),
  );
  const own = readSources(dir);
  const source = `${own}\n${sharedSources}`;
  const dotenv = dotenvOf(dir);

  let port: Finding<number | 'auto'> | undefined;
  const fromScript = portFromScript(scriptText);
  const fromSource = portFromSource(source);
  if (fromScript !== undefined) port = { value: fromScript, from: `its ${script} script`, guess: false };
  else if (dotenv['PORT'] !== undefined && /^\d+$/.test(dotenv['PORT']))
    port = { value: Number(dotenv['PORT']), from: 'its .env', guess: false };
  else if (fromSource !== undefined) port = { value: fromSource, from: 'its source', guess: true };
  else if (framework?.defaultPort !== undefined) port = { value: framework.defaultPort, from: `${framework.name}'s default`, guess: true };
  else if (readsPortVariable(source)) port = { value: 'auto', from: 'its source reads PORT', guess: true };

  const portArguments =
    framework !== undefined && !framework.readsPort && framework.portFlag !== undefined && fromScript === undefined && port !== undefined
      ? `${framework.portFlag} $PORT`
      : undefined;

  let health: Finding<string | { tcp: string }> | undefined;
  if (port !== undefined) {
    const route = framework?.servesPages ? '/' : healthRoute(source);
    health =
      route !== undefined
        ? {
            value: `http://127.0.0.1:\${port}${route}`,
            from: framework?.servesPages ? `${framework.name} serves /` : `a ${route} route in its code`,
            guess: true,
          }
        : { value: { tcp: '127.0.0.1:${port}' }, from: 'no health route found: a TCP check', guess: true };
  }
  const watchesItself = selfWatcherIn(scriptText);
  const readsVariables = [
    ...new Set([...own.matchAll(/\b([A-Z][A-Z0-9_]*_(?:URL|URI|HOST|ADDR|ADDRESS|ENDPOINT))\b/g)].map((match) => match[1]!)),
  ].sort();
  return { script, scriptText, framework: framework?.name, portArguments, port, health, watchesItself, readsVariables, dotenv };
}
