#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script):
// the bundle (dist/bundle, what ships) when it is there, else tsc's output.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = [new URL('../dist/bundle/main.js', import.meta.url), new URL('../dist/cli/main.js', import.meta.url)].find((url) =>
  existsSync(fileURLToPath(url)),
);
if (entry === undefined) {
  process.stderr.write(
    'error: devstack is not built (dist/bundle/main.js is missing)\nhint: run "npm run build" in the devstack package\n',
  );
  process.exit(1);
}
await import(entry.href);
