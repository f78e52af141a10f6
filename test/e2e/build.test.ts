// devstack's own build, in a copy of the repository (never the dist/ the other tests run): a
// rebuild touches only what changed, so a CLI or supervisor loading its chunks during a rebuild
// (npm ci's prepare and then npm test's build, a contributor's `npm run build` under a running
// stack) never finds one missing; and a build that is missing a file anyway reads as one line.
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, tempFolder } from '../helpers/package.js';
import { processesUnder } from '../helpers/processes.js';
import { REPO_ROOT } from '../helpers/project.js';

let copy: string;
const folders: string[] = [];

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'devstack-build-'));
  folders.push(copy);
  for (const entry of ['package.json', 'bin', 'scripts', 'src', 'tsconfig.json', 'tsconfig.build.json'])
    cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
});

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, by its path inside it, with what identifies that very file on disk. */
function filesOf(dir: string): Map<string, { inode: number; mtimeMs: number }> {
  const files = new Map<string, { inode: number; mtimeMs: number }>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const stat = statSync(path);
    files.set(relative(dir, path), { inode: stat.ino, mtimeMs: stat.mtimeMs });
  }
  return files;
}

async function build(): Promise<void> {
  const built = await exec(process.execPath, [join(copy, 'scripts', 'build.js')], copy);
  expect(built.code, built.stdout + built.stderr).toBe(0);
}

describe('the build', () => {
  it('rewrites only what a change changed and removes what it no longer makes', async () => {
    await build();
    const dist = join(copy, 'dist');
    const before = filesOf(dist);
    expect([...before.keys()].filter((path) => path.startsWith('bundle/')).length).toBeGreaterThan(20);
    writeFileSync(join(dist, 'bundle', 'stale-chunk.js'), '// from an older build\n');
    // A comment: tsc's output of that one module changes, the minified bundle does not.
    appendFileSync(join(copy, 'src', 'util', 'suggest.ts'), '// edited\n');

    await build();
    const after = filesOf(dist);
    expect(after.has('bundle/stale-chunk.js')).toBe(false);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const rewritten = [...after].filter(
      ([path, file]) => before.get(path)?.inode !== file.inode || before.get(path)?.mtimeMs !== file.mtimeMs,
    );
    expect(rewritten.map(([path]) => path).sort()).toEqual(['util/suggest.js', 'util/suggest.js.map']);
    expect(readdirSync(copy).filter((name) => name.startsWith('.dist-staging'))).toEqual([]);
  }, 120_000);

  it('says in one line that a file of it is missing, and a detached up leaves nothing', async () => {
    const project = tempFolder('devstack-broken-build-', {
      'services.config.ts': `export default { services: { api: { command: 'node -e "setInterval(() => {}, 1000)"' } } };\n`,
    });
    folders.push(project);
    if (!existsSync(join(copy, 'dist', 'bundle', 'main.js'))) await build(); // run on its own
    const bin = join(copy, 'bin', 'devstack.js');
    const bundle = join(copy, 'dist', 'bundle');
    const chunk = (prefix: string): string =>
      join(
        bundle,
        readdirSync(bundle).find((name) => name.startsWith(`${prefix}-`))!,
      );

    // A chunk loaded lazily, by one command.
    const down = chunk('down');
    rmSync(down);
    const lazy = await exec(process.execPath, [bin, 'down'], project);
    expect({ code: lazy.code, stderr: lazy.stderr }).toEqual({
      code: 1,
      stderr: `error: devstack's build is incomplete: ${down} is missing\nhint: reinstall devstack, or run "npm run build" in its repository\n`,
    });

    // A chunk every command loads: the launcher says it.
    const config = chunk('find-config');
    rmSync(config);
    const eager = await exec(process.execPath, [bin, 'ps'], project);
    expect(eager.code).toBe(1);
    expect(eager.stderr).toBe(
      `error: devstack's build is incomplete: ${config} is missing\nhint: reinstall devstack, or run "npm run build" in its repository\n`,
    );

    // The supervisor's entry: up -d hears it died (before the CLI had even claimed it), and says so.
    await build();
    rmSync(join(bundle, 'supervisor-main.js'));
    const up = await exec(process.execPath, [bin, 'up', '-d'], project);
    expect(up.code).toBe(1);
    // With why: the first error line of its stderr, of this start only (the file keeps every run's).
    const said = /^error: the background supervisor exited \(code 1\) before startup finished: (.*)\nhint: see logs\/devstack\.stderr\.log/;
    expect(up.stderr).toMatch(said);
    expect(said.exec(up.stderr)![1]).toBe(`Error: Cannot find module '${join(bundle, 'supervisor-main.js')}'`);
    expect(up.stderr).not.toContain('    at ');
    writeFileSync(join(bundle, 'supervisor-main.js'), "throw new Error('a second death');\n"); // its cause, not the last run's
    const again = await exec(process.execPath, [bin, 'up', '-d'], project);
    expect(said.exec(again.stderr)?.[1]).toBe('Error: a second death');
    expect(processesUnder(project)).toEqual([]);
  }, 120_000);
});
