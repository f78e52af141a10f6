// devstack installed from a git URL: npm clones it, installs its dev dependencies, runs its
// `prepare` (the build) in the clone, and packs the clone. The installed copy must have dist/ —
// a git checkout has none — and, like the tarball, no scripts. (npm 11 still prints its advisory
// "install scripts not yet covered by allowScripts" line for a git dependency's prepare: that is
// decided from the clone's manifest before the build runs; the README says so.)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { exec, tempFolder } from '../helpers/package.js';
import { processesUnder } from '../helpers/processes.js';
import { FIXTURES, REPO_ROOT } from '../helpers/project.js';

const folders: string[] = [];

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A git repository holding the working tree's tracked files as they are now (committed or not). */
function snapshotRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-git-'));
  folders.push(dir);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(dir, file));
  }
  const git = (...args: string[]): void => void execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-q', '-m', 'snapshot');
  return dir;
}

it('installs from a git URL with its built output, and runs', async () => {
  const source = snapshotRepository();
  const repo = tempFolder('devstack-git-user-', {
    'package.json': JSON.stringify({ name: 'shop', private: true }),
    'services.config.ts': `import { defineConfig } from 'devstack';
export default defineConfig({ services: { api: { command: 'node ${join(FIXTURES, 'http-service.js')}', port: 'auto', health: 'http://127.0.0.1:\${port}/health' } } });
`,
  });
  folders.push(repo);
  const installed = await exec('npm', ['install', '--prefer-offline', '--save-dev', `git+file://${source}`], repo);
  expect(installed.code, installed.stderr).toBe(0);
  const installedDir = join(repo, 'node_modules', 'devstack');
  expect(existsSync(join(installedDir, 'dist', 'cli', 'main.js'))).toBe(true);
  expect((JSON.parse(readFileSync(join(installedDir, 'package.json'), 'utf8')) as Record<string, unknown>)['scripts']).toBeUndefined();

  const bin = join(repo, 'node_modules', '.bin', 'devstack');
  const up = await exec(bin, ['up', '-d'], repo);
  expect(up.code, up.stderr).toBe(0);
  const down = await exec(bin, ['down'], repo);
  expect(down.stdout).toBe('devstack: stopped api\n');
  expect(processesUnder(repo)).toEqual([]);
}, 240_000);
