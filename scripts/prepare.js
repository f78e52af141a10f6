// Runs on `npm ci` / `npm install` in this repository (npm's "prepare" lifecycle):
// compiles src/ to dist/ so the `devstack` bin works with no manual build step, and links the
// package's own bin into node_modules/.bin so `npx devstack` and npm scripts find it in the repo.
// Before `npm pack` / `npm publish` (and an install from git, which packs the clone) it also
// writes the manifest the tarball carries: see pack-manifest.js; `postpack` restores it.
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.js';
import { restoreManifest, stripManifest } from './pack-manifest.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// An install from git runs this in npm's temporary clone, then packs the clone: the same case.
const inGitClone = /[\\/]_cacache[\\/]tmp[\\/]git-clone[^\\/]*$/.test(root);
const packing = inGitClone || ['pack', 'publish'].includes(process.env.npm_command ?? '');
if (!packing) restoreManifest(); // a pack interrupted half-way left the published manifest in place
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Without TypeScript (a copy of the package being packed, say) dist/ is already there.
if (existsSync(tsc)) {
  await build();
  const binDir = join(root, 'node_modules', '.bin');
  const link = join(binDir, 'devstack');
  mkdirSync(binDir, { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(binDir, join(root, 'bin', 'devstack.js')), link);
}
if (packing) stripManifest();
