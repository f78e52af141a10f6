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
// It is only a head start: when it cannot load, the CLI spawns the supervisor itself (and reports
// a broken build below, in one line).
if (process.argv.includes('up')) {
  const early = new URL('early-supervisor.js', entry);
  try {
    if (existsSync(fileURLToPath(early)))
      (await import(early.href)).spawnEarlySupervisor(process.argv.slice(2), process.cwd(), process.env);
  } catch {
    // the CLI does without it
  }
}
try {
  await import(entry.href);
} catch (error) {
  // A file of devstack's own build missing (deleted, or a build interrupted): one line, not a trace.
  const missing = error?.code === 'ERR_MODULE_NOT_FOUND' && typeof error.url === 'string' ? fileURLToPath(error.url) : undefined;
  const dist = fileURLToPath(new URL('../dist/', import.meta.url));
  if (missing === undefined || !missing.startsWith(dist)) throw error;
  process.stderr.write(
    `error: devstack's build is incomplete: ${missing} is missing\nhint: reinstall devstack, or run "npm run build" in its repository\n`,
  );
  process.exit(1);
}
