// npm pack / npm publish: the package ships without its development scripts. npm 11 flags a
// dependency's `prepare` as an install script awaiting approval (and npm 12 blocks it), although a
// packed devstack needs no build: dist/ is in the tarball. So prepare.js, when npm packs, writes a
// package.json without `scripts` and `workspaces` for the tarball, and `postpack` puts the
// original back (prepare.js also restores it on the next install, should a pack have been cut off).
//   node scripts/pack-manifest.js restore
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = join(root, 'package.json');
const original = join(root, 'package.json.packing');

export function restoreManifest() {
  if (existsSync(original)) renameSync(original, manifest);
}

export function stripManifest() {
  restoreManifest();
  const text = readFileSync(manifest, 'utf8');
  const { scripts: _scripts, workspaces: _workspaces, ...published } = JSON.parse(text);
  writeFileSync(original, text);
  writeFileSync(manifest, `${JSON.stringify(published, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'restore') restoreManifest();
  else {
    console.error(`pack-manifest: expected "restore", got "${process.argv[2] ?? ''}"`);
    process.exit(2);
  }
}
