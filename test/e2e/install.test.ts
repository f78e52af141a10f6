// devstack installed the ways a user installs it: the packed tarball as a dev dependency of a fresh
// repo, globally into a folder with no package.json, and its config type-checked in ESM and
// CommonJS projects. The tarball is what `npm publish` would upload.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, packDevstack, tempFolder } from '../helpers/package.js';
import { processesUnder } from '../helpers/processes.js';
import { FIXTURES, REPO_ROOT } from '../helpers/project.js';

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CONFIG = `import { defineConfig } from 'devstack';

export default defineConfig({
  services: {
    api: { command: 'node ${join(FIXTURES, 'http-service.js')}', port: 'auto', health: 'http://127.0.0.1:\${port}/health', stopSignal: 'SIGTERM' },
  },
});
`;

let tarball: string;
const folders: string[] = [];

function folder(prefix: string, files: Record<string, string>): string {
  const dir = tempFolder(prefix, files);
  folders.push(dir);
  return dir;
}

/** up -d, ps, down with the given devstack bin in `dir`; nothing may be left running. */
async function upPsDown(bin: string, dir: string): Promise<void> {
  const up = await exec(bin, ['up', '-d'], dir);
  expect(up.code, up.stderr).toBe(0);
  expect(up.stdout).toContain('devstack: 1 service ready');
  const ps = await exec(bin, ['ps', '--json'], dir);
  expect(JSON.parse(ps.stdout)).toMatchObject([{ name: 'api', state: 'ready' }]);
  const down = await exec(bin, ['down'], dir);
  expect(down.stdout).toBe('devstack: stopped api\n');
  expect(processesUnder(dir)).toEqual([]);
}

beforeAll(async () => {
  tarball = await packDevstack();
}, 120_000);

afterAll(() => {
  for (const dir of [...folders, join(tarball, '..')]) rmSync(dir, { recursive: true, force: true });
});

describe('installed from the packed tarball', () => {
  let repo: string;

  beforeAll(async () => {
    repo = folder('devstack-user-repo-', { 'package.json': JSON.stringify({ name: 'shop', private: true }), 'services.config.ts': CONFIG });
    const installed = await exec('npm', ['install', '--prefer-offline', '--save-dev', tarball], repo);
    expect(installed.code, installed.stderr).toBe(0);
    // No script awaits approval: the package has none, and needs none (dist/ is in it).
    expect(installed.stderr).not.toMatch(/install-scripts|allowScripts/);
  }, 180_000);

  it('carries its built output and no scripts, and runs up -d, ps and down in the repo', async () => {
    const manifest = JSON.parse(readFileSync(join(repo, 'node_modules', 'devstack', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['scripts']).toBeUndefined();
    expect(existsSync(join(repo, 'node_modules', 'devstack', 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(repo, 'node_modules', 'devstack', 'dist', 'index.d.cts'))).toBe(true);
    await upPsDown(join(repo, 'node_modules', '.bin', 'devstack'), repo);
  });

  it('type-checks services.config.ts in CommonJS and ESM projects, under node16 and nodenext', async () => {
    for (const type of ['commonjs', 'module']) {
      for (const module of ['node16', 'nodenext']) {
        writeJson(join(repo, 'package.json'), { name: 'shop', private: true, type });
        writeJson(join(repo, 'tsconfig.json'), {
          // No @types/node: the config's types must not need it.
          compilerOptions: { module, moduleResolution: module, strict: true, noEmit: true, types: [] },
          include: ['services.config.ts'],
        });
        const checked = await exec(process.execPath, [TSC, '-p', repo], repo);
        expect(checked.stdout + checked.stderr, `${type} / ${module}`).toBe('');
      }
    }
    // And at run time in a CommonJS project, require() gets the same function.
    const required = await exec(process.execPath, ['-e', "console.log(typeof require('devstack').defineConfig)"], repo);
    expect(required.stdout).toBe('function\n');
  });

  it('reports a bad field of a config that does not type-check, as everywhere else', async () => {
    const dir = folder('devstack-user-bad-', { 'services.config.ts': CONFIG.replace("stopSignal: 'SIGTERM'", "stopSignal: 'SIGTERN'") });
    const up = await exec(join(repo, 'node_modules', '.bin', 'devstack'), ['up', '-d'], dir);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('services.api.stopSignal');
    expect(up.stderr).not.toContain('    at ');
  });
});

describe('installed globally', () => {
  it('runs in a repo without a package.json', async () => {
    const prefix = folder('devstack-global-', {});
    const installed = await exec('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', tarball], prefix);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).not.toMatch(/install-scripts|allowScripts/);
    const repo = folder('devstack-no-package-json-', { 'services.config.ts': CONFIG });
    await upPsDown(join(prefix, 'bin', 'devstack'), repo);
  }, 120_000);
});

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
