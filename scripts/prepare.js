// Runs on `npm ci` / `npm install` in this repository (npm's "prepare" lifecycle):
// compiles src/ to dist/ so the `devstack` bin works with no manual build step, and links the
// package's own bin into node_modules/.bin so `npx devstack` and npm scripts find it in the repo.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  // Installed as a dependency of another project: dist/ ships in the package, nothing to build.
  process.exit(0);
}
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const binDir = join(root, 'node_modules', '.bin');
const link = join(binDir, 'devstack');
mkdirSync(binDir, { recursive: true });
rmSync(link, { force: true });
symlinkSync(relative(binDir, join(root, 'bin', 'devstack.js')), link);
