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
// A detached `up` starts its background supervisor now, before the CLI's modules load: that
// supervisor is what `up -d` waits for (src/cli/early-supervisor.ts).
if (process.argv.includes('up')) {
  const early = new URL('early-supervisor.js', entry);
  if (existsSync(fileURLToPath(early))) (await import(early.href)).spawnEarlySupervisor(process.argv.slice(2), process.cwd(), process.env);
}
await import(entry.href);
